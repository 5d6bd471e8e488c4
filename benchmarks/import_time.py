"""How long `import or_jupyter` and `%load_ext or_jupyter` take, beside the official SDKs.

Each figure is the median over fresh interpreters (the first import is the one users feel):
- `import X`: wall time of `python -c "import X"` minus that of `python -c "pass"`;
- `%load_ext or_jupyter`: timed inside a process that has already made an IPython shell,
  as a kernel has (IPython's own import is not ours to count).
Targets (issue 19): import <= 150 ms, %load_ext <= 300 ms, in the `make lab` environment.

    python benchmarks/import_time.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

LOAD_EXT = """
import time
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
started = time.perf_counter()
shell.run_line_magic("load_ext", "or_jupyter")
print(time.perf_counter() - started)
"""


def wall(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs

    bare = median_ms([wall("pass") for _ in range(runs)])
    print(f"bare interpreter: {bare:.0f} ms (subtracted below)")
    figures = {}
    for module in ("or_jupyter", "openai", "openrouter", "httpx"):
        try:
            figures[module] = median_ms([wall(f"import {module}") for _ in range(runs)]) - bare
        except subprocess.CalledProcessError:
            continue
        print(f"import {module:<12} {figures[module]:7.0f} ms")
    load = [
        float(
            subprocess.run(
                [sys.executable, "-c", LOAD_EXT], capture_output=True, text=True, check=True
            ).stdout
        )
        for _ in range(runs)
    ]
    load_ms = median_ms(load)
    print(f"%load_ext or_jupyter {load_ms:7.0f} ms (in a process with an IPython shell)")
    print()
    ours = figures["or_jupyter"]
    print(
        f"import or_jupyter: {ours:.0f} ms (target <= 150 ms): {'met' if ours <= 150 else 'MISSED'}"
    )
    print(
        f"%load_ext: {load_ms:.0f} ms (target <= 300 ms): {'met' if load_ms <= 300 else 'MISSED'}"
    )
    for sdk in ("openai", "openrouter"):
        if sdk in figures and ours > 0:
            print(f"import {sdk} takes {figures[sdk] / ours:.1f}x as long as import or_jupyter")


if __name__ == "__main__":
    main()
