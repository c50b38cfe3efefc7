/** A subset of Python's datetime.strftime for the `${now:...}` resolver. */

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/**
 * Format `date` (local time) like Python's `datetime.now().strftime(format)`: %Y %m %d %H %M %S %f %y %b %B
 * %a %A %j %p %I %Z %z %%. As for Python's naive datetime.now(), %Z and %z are empty; unknown codes stay as-is.
 */
export function strftime(format: string, date: Date = new Date()): string {
  return format.replace(/%(.)/gs, (whole, code: string) => {
    switch (code) {
      case "Y":
        return String(date.getFullYear());
      case "m":
        return pad(date.getMonth() + 1);
      case "d":
        return pad(date.getDate());
      case "H":
        return pad(date.getHours());
      case "M":
        return pad(date.getMinutes());
      case "S":
        return pad(date.getSeconds());
      case "f":
        return pad(date.getMilliseconds() * 1000, 6);
      case "y":
        return pad(date.getFullYear() % 100);
      case "b":
        return MONTHS[date.getMonth()].slice(0, 3);
      case "B":
        return MONTHS[date.getMonth()];
      case "a":
        return DAYS[date.getDay()].slice(0, 3);
      case "A":
        return DAYS[date.getDay()];
      case "j": {
        const start = new Date(date.getFullYear(), 0, 1);
        const day =
          Math.round(
            (new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime() - start.getTime()) /
              86400000,
          ) + 1;
        return pad(day, 3);
      }
      case "p":
        return date.getHours() < 12 ? "AM" : "PM";
      case "I":
        return pad(date.getHours() % 12 === 0 ? 12 : date.getHours() % 12);
      case "Z":
      case "z":
        return "";
      case "%":
        return "%";
      default:
        return whole;
    }
  });
}
