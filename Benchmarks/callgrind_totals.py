"""Prints `INSTRUCTIONS ALLOCATIONS` for a callgrind output file: the total
instruction count, and the number of calls to the heap allocators (malloc, calloc,
realloc, posix_memalign, aligned_alloc) from anywhere in the program."""

import re
import sys

ALLOCATORS = {"malloc", "calloc", "realloc", "posix_memalign", "aligned_alloc", "memalign"}


def main(path):
    names = {}
    total = None
    allocations = 0
    target = None
    name_line = re.compile(r"^c?fn=\((\d+)\)(?: (.*))?$")
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                total = int(line.split()[1])
                continue
            if line.startswith("cfn="):
                m = name_line.match(line.strip())
                if m:
                    if m.group(2):
                        names[m.group(1)] = m.group(2)
                    target = names.get(m.group(1))
                continue
            if line.startswith("fn="):
                m = name_line.match(line.strip())
                if m and m.group(2):
                    names[m.group(1)] = m.group(2)
                target = None
                continue
            if line.startswith("calls=") and target is not None:
                if target.split("'")[0] in ALLOCATORS:
                    allocations += int(line.split("=")[1].split()[0])
                target = None
    if total is None:
        raise SystemExit(f"{path}: no totals line")
    print(total, allocations)


if __name__ == "__main__":
    main(sys.argv[1])
