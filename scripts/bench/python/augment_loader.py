"""The augmentation DataLoader benchmark's PyTorch side: the same uint8 images as Kiln's side (torch.manual_seed(0);
torch.randint(0, 256, (N, 3, 32, 32), dtype=torch.uint8)), torchvision.transforms.v2 RandomCrop(32, padding=4) +
RandomHorizontalFlip + ToDtype(float32, scale=True) + Normalize per sample, batch 128, shuffled. Prints JSON:
{"workers": W, "epochs_s": [...]}.
Usage: python augment_loader.py --samples N --workers W --epochs E"""

import argparse
import json
import time

import torch
import torch.library

_register_fake = torch.library.register_fake


def _tolerant_register_fake(*args, **kwargs):
    # A CUDA torchvision wheel's C++ ops do not load with CPU torch; the v2 transforms used here are pure Python.
    decorate = _register_fake(*args, **kwargs)

    def wrapper(fn):
        try:
            return decorate(fn)
        except RuntimeError:
            return fn

    return wrapper


torch.library.register_fake = _tolerant_register_fake
from torch.utils.data import DataLoader, Dataset  # noqa: E402
from torchvision.transforms import v2  # noqa: E402

MEAN = [0.4914, 0.4822, 0.4465]
STD = [0.247, 0.243, 0.261]


class AugmentedImages(Dataset):
    def __init__(self, images, labels):
        self.images = images
        self.labels = labels
        self.transform = v2.Compose(
            [v2.RandomCrop(32, padding=4), v2.RandomHorizontalFlip(), v2.ToDtype(torch.float32, scale=True), v2.Normalize(MEAN, STD)]
        )

    def __len__(self):
        return self.images.shape[0]

    def __getitem__(self, i):
        return self.transform(self.images[i]), self.labels[i]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--samples", type=int, default=10000)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--epochs", type=int, default=3)
    a = p.parse_args()
    torch.manual_seed(0)
    images = torch.randint(0, 256, (a.samples, 3, 32, 32), dtype=torch.uint8)
    labels = torch.randint(0, 10, (a.samples,))
    loader = DataLoader(
        AugmentedImages(images, labels), batch_size=128, shuffle=True, num_workers=a.workers,
        persistent_workers=a.workers > 0, generator=torch.Generator().manual_seed(1),
    )
    epochs = []
    for _ in range(a.epochs):
        start = time.perf_counter()
        n = 0
        for x, _y in loader:
            n += x.shape[0]
        epochs.append(time.perf_counter() - start)
        assert n == a.samples
    print(json.dumps({"workers": a.workers, "epochs_s": epochs}))


if __name__ == "__main__":
    main()
