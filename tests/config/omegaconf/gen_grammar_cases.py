#!/usr/bin/env python3
"""Writes cases/grammar.json from the case tables of OmegaConf's tests/test_grammar.py.

The tables below are copied from OmegaConf's test suite (an ANTLR-era version of test_grammar.py),
with the expected values adjusted where OmegaConf 2.3's grammar behaves differently (marked "2.3:").
Expected values are JSON with floats as {"$float": repr}; errors as {"$error": ClassName, "phase": ...}.
Run: python3 tests/config/omegaconf/gen_grammar_cases.py
"""
import json
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))


class GrammarParseError(Exception):
    pass


class InterpolationKeyError(Exception):
    pass


class InterpolationResolutionError(Exception):
    pass


class UnsupportedInterpolationType(Exception):
    pass


PARAMS_SINGLE_ELEMENT_NO_INTERPOLATION = [
    ("null", "null", None),
    ("true", "TrUe", True),
    ("false", "falsE", False),
    ("true_false", "true_false", "true_false"),
    ("int", "123", 123),
    ("int_pos", "+123", 123),
    ("int_neg", "-123", -123),
    ("int_underscore", "1_000", 1000),
    ("int_bad_underscore_1", "1_000_", "1_000_"),
    ("int_bad_underscore_2", "1__000", "1__000"),
    ("int_bad_underscore_3", "_1000", "_1000"),
    ("int_bad_zero_start", "007", "007"),
    ("float", "1.1", 1.1),
    ("float_no_int", ".1", 0.1),
    ("float_no_decimal", "1.", 1.0),
    ("float_minus", "-.2", -0.2),
    ("float_underscore", "1.1_1", 1.11),
    ("float_bad_1", "1.+2", "1.+2"),
    ("float_bad_2", r"1\.2", r"1\.2"),
    ("float_bad_3", "1.2_", "1.2_"),
    ("float_exp_1", "-1e2", -100.0),
    ("float_exp_2", "+1E-2", 0.01),
    ("float_exp_3", "1_0e1_0", 10e10),
    ("float_exp_4", "1.07e+2", 107.0),
    ("float_exp_5", "1e+03", 1000.0),
    ("float_exp_bad_1", "e-2", "e-2"),
    ("float_exp_bad_2", "01e2", "01e2"),
    ("float_inf", "inf", math.inf),
    ("float_plus_inf", "+inf", math.inf),
    ("float_minus_inf", "-inf", -math.inf),
    ("float_nan", "nan", math.nan),
    ("float_plus_nan", "+nan", math.nan),
    ("float_minus_nan", "-nan", math.nan),
    ("str_legal", "a/-\\+.$*@\\\\", "a/-\\+.$*@\\"),
    ("str_illegal_1", "a,=b", GrammarParseError),
    ("str_illegal_2", f"{chr(200)}", GrammarParseError),
    ("str_illegal_3", f"{chr(129299)}", GrammarParseError),
    ("str_dot", ".", "."),
    ("str_dollar", "$", "$"),
    ("str_colon", ":", ":"),
    ("str_ws_1", "hello world", "hello world"),
    ("str_ws_2", "a b\tc  \t\t  d", "a b\tc  \t\t  d"),
    ("str_esc_ws_1", r"\ hello\ world\ ", " hello world "),
    ("str_esc_ws_2", "\\ \\\t\\\t", " \t\t"),
    ("str_esc_comma", r"hello\, world", "hello, world"),
    ("str_esc_colon", r"a\:b", "a:b"),
    ("str_esc_equal", r"a\=b", "a=b"),
    ("str_esc_parentheses", r"\(foo\)", "(foo)"),
    ("str_esc_brackets", r"\[foo\]", "[foo]"),
    ("str_esc_braces", r"\{foo\}", "{foo}"),
    ("str_esc_backslash", r"\\", "\\"),
    ("str_backslash_noesc", r"ab\cd", r"ab\cd"),
    ("str_esc_illegal_1", r"\#", GrammarParseError),
    ("str_esc_illegal_2", "\\'\\\"", GrammarParseError),
    ("str_quoted_single", "'!@#$%^&*()[]:.,\"'", '!@#$%^&*()[]:.,"'),
    ("str_quoted_double", '"!@#$%^&*()[]:.,\'"', "!@#$%^&*()[]:.,'"),
    ("str_quoted_outer_ws_single", "'  a \t'", "  a \t"),
    ("str_quoted_outer_ws_double", '"  a \t"', "  a \t"),
    ("str_quoted_int", "'123'", "123"),
    ("str_quoted_null", "'null'", "null"),
    ("str_quoted_bool", "['truE', \"FalSe\"]", ["truE", "FalSe"]),
    ("str_quoted_list", "'[a,b, c]'", "[a,b, c]"),
    ("str_quoted_dict", '"{a:b, c: d}"', "{a:b, c: d}"),
    ("str_quoted_backslash_noesc_single", r"'a\b'", r"a\b"),
    ("str_quoted_backslash_noesc_double", r'"a\b"', r"a\b"),
    ("str_quoted_concat_bad_2", "'Hi''there'", GrammarParseError),
    ("str_quoted_too_many_1", "''a'", GrammarParseError),
    ("str_quoted_too_many_2", "'a''", GrammarParseError),
    ("str_quoted_too_many_3", "''a''", GrammarParseError),
    ("list", "[0, 1]", [0, 1]),
    (
        "dict",
        "{x: 1, a: b, y: 1e2, null2: 0.1, true3: false, inf4: true}",
        {"x": 1, "a": "b", "y": 100.0, "null2": 0.1, "true3": False, "inf4": True},
    ),
    (
        "dict_unquoted_key",
        "{a0-null-1-3.14-NaN- \t-true-False-/\\+.$%*@\\(\\)\\[\\]\\{\\}\\:\\=\\ \\\t\\,:0}",
        {"a0-null-1-3.14-NaN- \t-true-False-/\\+.$%*@()[]{}:= \t,": 0},
    ),
    # 2.3: quoted dict keys are not allowed (dictKey has no quotedValue), keys are str in Kiln.
    ("dict_quoted", "{0: 1, 'a': 'b', 1.1: 1e2, null: 0.1, true: false, -inf: true}", GrammarParseError),
    (
        "structured_mixed",
        "[10,str,3.14,true,false,inf,[1,2,3], 'quoted', \"quoted\", 'a,b,c']",
        [10, "str", 3.14, True, False, math.inf, [1, 2, 3], "quoted", "quoted", "a,b,c"],
    ),
    ("dict_int_key", "{0: 0}", {"0": 0}),
    ("dict_float_key", "{1.1: 0}", {"1.1": 0}),
    ("dict_null_key", "{null: 0}", {"None": 0}),
    ("dict_nan_like_key", "{'nan': 0}", GrammarParseError),
    ("dict_list_as_key", "{[0]: 1}", GrammarParseError),
    ("dict_bool_key", "{true: true, false: 'false'}", {"True": True, "False": "false"}),
    ("empty_dict", "{}", {}),
    ("empty_list", "[]", []),
    (
        "structured_deep",
        "{null0: [0, 3.14, false], true1: {a: [0, 1, 2], b: {}}}",
        {"null0": [0, 3.14, False], "true1": {"a": [0, 1, 2], "b": {}}},
    ),
]

PARAMS_SINGLE_ELEMENT_WITH_INTERPOLATION = [
    ("dict_access", "${dict.a}", 0),
    ("list_access", "${list.0}", -1),
    ("list_access_underscore", "${list.1_0}", 9),
    ("list_access_bad_negative", "${list.-1}", InterpolationKeyError),
    ("dict_access_list_like_1", "${0}", 0),
    ("dict_access_list_like_2", "${1.2}", 12),
    ("bool_like_keys", "${FalsE.TruE}", True),
    ("null_like_key_ok", "${None.null}", 1),
    ("null_like_key_bad_case", "${NoNe.null}", InterpolationKeyError),
    ("null_like_key_quoted_1", "${'None'.'null'}", GrammarParseError),
    ("null_like_key_quoted_2", "${'None.null'}", GrammarParseError),
    ("dotpath_bad_type", "${dict.${float}}", (None, InterpolationResolutionError)),
    ("at_in_key", "${x@y}", 123),
    ("dict_interpolation_value", "{hi: ${str}, int: ${int}}", {"hi": "hi", "int": 123}),
    ("dict_interpolation_key", "{${str}: 0, ${null}: 1", GrammarParseError),
    ("list_interpolation", "[${str}, ${int}]", ["hi", 123]),
    ("str_dollar_and_inter", "$$${str}", "$$hi"),
    ("str_inter", "hi_${str}", "hi_hi"),
    ("str_esc_illegal_3", r"\${foo\}", GrammarParseError),
    ("str_quoted_inter", "'${null}'", "None"),
    ("str_quoted_esc_single_1", r"'ab\'cd\'\'${str}'", "ab'cd''hi"),
    # 2.3: in quotes, `\\\\\${` is two escaped backslashes then an escaped `${`.
    ("str_quoted_esc_single_2", "'\"\\\\\\\\\\${foo}\\ '", r'"\\${foo}\ '),
    ("str_quoted_esc_double_1", r'"ab\"cd\"\"${str}"', 'ab"cd""hi'),
    ("str_quoted_esc_double_2", '"\'\\\\\\\\\\${foo}\\ "', r"'\\${foo}\ "),
    ("str_quoted_concat_bad_1", '"Hi "${str}', GrammarParseError),
    ("ws_inter_node_outer", "${ \tdict.a  \t}", 0),
    ("ws_inter_node_around_dot", "${dict .\ta}", GrammarParseError),
    ("ws_inter_node_inside_id", "${d i c t.a}", GrammarParseError),
    ("ws_inter_res_outer", "${\t test:foo\t  }", "foo"),
    ("ws_inter_res_around_colon", "${test\t  : \tfoo}", "foo"),
    ("ws_inter_res_inside_id", "${te st:foo}", GrammarParseError),
    ("ws_inter_res_inside_args", "${test:f o o}", "f o o"),
    ("ws_inter_res_namespace", "${ns1 .\t ns2 . test:0}", GrammarParseError),
    ("ws_inter_res_no_args", "${test: \t}", []),
    ("ws_list", "${test:[\t a,   b,  ''\t  ]}", ["a", "b", ""]),
    ("ws_dict", "${test:{\t a   : 1\t  , b:  \t''}}", {"a": 1, "b": ""}),
    ("ws_quoted_single", "${test:  \t'foo'\t }", "foo"),
    ("ws_quoted_double", '${test:  \t"foo"\t }', "foo"),
    ("nested_simple", "${${ref_str}}", "hi"),
    ("nested_select", "${options.${choice}}", "A"),
    ("nested_relative", "${${rel_opt}.b}", "B"),
    ("str_quoted_nested", r"'AB${test:\'CD${test:\\'EF\\'}GH\'}'", GrammarParseError),
    ("str_quoted_nested_2_3", "'AB${test:\"CD${test:EF}GH\"}'", "ABCDEFGH"),
    ("no_args", "${test:}", []),
    ("space_in_args", "${test:a, b c}", ["a", "b c"]),
    ("list_as_input", "${test:[a, b], 0, [1.1]}", [["a", "b"], 0, [1.1]]),
    ("dict_as_input", "${test:{a: 1.1, b: b}}", {"a": 1.1, "b": "b"}),
    ("dict_as_input_quotes", "${test:{'a': 1.1, b: b}}", GrammarParseError),
    ("dict_typo_colons", "${test:{a: 1.1, b:: b}}", {"a": 1.1, "b": ": b"}),
    ("missing_resolver", "${MiSsInG_ReSoLvEr:0}", UnsupportedInterpolationType),
    ("at_in_resolver", "${y@z:}", GrammarParseError),
    ("ns_resolver", "${ns1.ns2.test:123}", 123),
    ("nested_resolver", "${${str_test}:a, b, c}", ["a", "b", "c"]),
    ("nested_deep", "${test:${${test:${ref_str}}}}", "hi"),
    ("nested_resolver_combined_illegal", "${some_${resolver}:a, b, c}", GrammarParseError),
    ("nested_args", "${test:${str}, ${null}, ${int}}", ["hi", None, 123]),
    ("int_resolver_quoted", "${'0':1,2,3}", GrammarParseError),
    ("int_resolver_noquote", "${0:1,2,3}", GrammarParseError),
    ("float_resolver_quoted", "${'1.1':1,2,3}", GrammarParseError),
    ("float_resolver_noquote", "${1.1:1,2,3}", GrammarParseError),
    ("float_resolver_exp", "${1e1:1,2,3}", GrammarParseError),
    ("inter_float_resolver", "${${float}:1,2,3}", (None, InterpolationResolutionError)),
    ("dict_nan_key_1", "${first:{nan: 0}}", "nan"),
    ("dict_nan_key_2", "${first:{${test:nan}: 0}}", GrammarParseError),
    ("trailing_comma", "${test:a,b,}", ["a", "b", ""]),
    ("empty_middle", "${test:a,,b}", ["a", "", "b"]),
    ("empty_first", "${test:,a,b}", ["", "a", "b"]),
    ("single_comma", "${test:,}", ["", ""]),
    ("mixed_with_ws", "${test:  ,a,b,\t,,c,  \t   \t ,d,, \t}", ["", "a", "b", "", "", "c", "", "d", "", ""]),
]

PARAMS_CONFIG_VALUE = [
    ("str_top_basic", "bonjour ${str}", "bonjour hi"),
    ("str_top_quotes_single_1", "'bonjour ${str}'", "'bonjour hi'"),
    ("str_top_quotes_single_2", "'Bonjour ${str}', I said.", "'Bonjour hi', I said."),
    ("str_top_quotes_double_1", '"bonjour ${str}"', '"bonjour hi"'),
    ("str_top_quotes_double_2", '"Bonjour ${str}", I said.', '"Bonjour hi", I said.'),
    ("str_top_missing_end_quote_single", "'${str}", "'hi"),
    ("str_top_missing_end_quote_double", '"${str}', '"hi'),
    ("str_top_missing_start_quote_double", '${str}"', 'hi"'),
    ("str_top_missing_start_quote_single", "${str}'", "hi'"),
    ("str_top_middle_quote_single", "I'd like ${str}", "I'd like hi"),
    ("str_top_middle_quote_double", 'I"d like ${str}', 'I"d like hi'),
    ("str_top_middle_quotes_single", "I like '${str}'", "I like 'hi'"),
    ("str_top_middle_quotes_double", 'I like "${str}"', 'I like "hi"'),
    ("str_top_any_char", "${str} !@\\#$%^&*})][({,/?;", "hi !@\\#$%^&*})][({,/?;"),
    ("str_top_esc_inter", r"Esc: \${str}", "Esc: ${str}"),
    ("str_top_esc_inter_wrong_1", r"Wrong: $\{str\}", r"Wrong: $\{str\}"),
    ("str_top_esc_inter_wrong_2", r"Wrong: \${str\}", r"Wrong: ${str\}"),
    ("str_top_esc_backslash", r"Esc: \\${str}", r"Esc: \hi"),
    ("str_top_quoted_braces_wrong", r"Wrong: \{${str}\}", r"Wrong: \{hi\}"),
    ("str_top_leading_dollars", r"$$${str}", "$$hi"),
    ("str_top_trailing_dollars", r"${str}$$$$", "hi$$$$"),
    ("str_top_leading_escapes", r"\\\\\${str}", r"\\${str}"),
    ("str_top_middle_escapes", r"abc\\\\\${str}", r"abc\\${str}"),
    ("str_top_trailing_escapes", "${str}" + "\\" * 5, "hi" + "\\" * 5),
    ("str_top_concat_interpolations", "${null}${float}", "None1.2"),
    ("ws_toplevel", "  \tab  ${str} cd  ${int}\t", "  \tab  hi cd  123\t"),
    ("missing_brace_1", "${test:${str}", GrammarParseError),
    ("missing_brace_2", "${${test:str}", GrammarParseError),
    ("extra_brace", "${str}}", "hi}"),
    # Node interpolations with brackets and relative keys (OmegaConf 2.1+).
    ("bracket_key", "${list[1]}", 0),
    ("bracket_then_dot", "${[dict].a}", 0),
    ("full_container", "${dict}", {"a": 0}),
    ("str_of_container", "x ${dict} ${list[0]}", "x {'a': 0} -1"),
    ("str_of_float_bool_null", "${float}/${FalsE.TruE}/${null}", "1.2/True/None"),
]


def tag(v):
    if isinstance(v, tuple):
        return {"$error": v[1].__name__, "phase": "visit"}
    if isinstance(v, type) and issubclass(v, Exception):
        return {"$error": v.__name__, "phase": "parse" if v is GrammarParseError else "visit"}
    if isinstance(v, float):
        return {"$float": repr(v)}
    if isinstance(v, list):
        return [tag(x) for x in v]
    if isinstance(v, dict):
        return {"$dict": [[str(k), tag(x)] for k, x in v.items()]}
    return v


def main():
    out = {
        "singleElement": [{"name": n, "text": t, "expected": tag(e)} for n, t, e in PARAMS_SINGLE_ELEMENT_NO_INTERPOLATION + PARAMS_SINGLE_ELEMENT_WITH_INTERPOLATION],
        "configValue": [{"name": n, "text": t, "expected": tag(e)} for n, t, e in PARAMS_CONFIG_VALUE],
    }
    with open(os.path.join(HERE, "cases", "grammar.json"), "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
