"""How long `import or_jupyter` and `%load_ext or_jupyter` take, beside the official SDKs.

Each figure is the median over fresh interpreters (the first import is the one users feel),
timed inside the process (the interpreter's own start is not ours to count):
- `import X`, and `or_jupyter.Client` (the import a request needs) beside the SDKs' clients;
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

LOAD_EXT = """
import time
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
started = time.perf_counter()
shell.run_line_magic("load_ext", "or_jupyter")
print(time.perf_counter() - started)
"""


TIMED = """
import time
started = time.perf_counter()
{code}
print(time.perf_counter() - started)
"""


def timed(code: str) -> float:
    """Seconds `code` takes in a fresh interpreter, measured inside it."""
    done = subprocess.run(
        [sys.executable, "-c", TIMED.format(code=code)], capture_output=True, text=True, check=True
    )
    return float(done.stdout)


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs

    figures = {}
    cases = {
        "import or_jupyter": "import or_jupyter",
        "or_jupyter.Client": "import or_jupyter; or_jupyter.Client",
        "openai.OpenAI": "import openai; openai.OpenAI",
        "openrouter.OpenRouter": "import openrouter; openrouter.OpenRouter",
        "import httpx": "import httpx",
    }
    for name, code in cases.items():
        try:
            figures[name] = median_ms([timed(code) for _ in range(runs)])
        except subprocess.CalledProcessError:
            continue
        print(f"{name:<24} {figures[name]:7.0f} ms")
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
    ours = figures["import or_jupyter"]
    print(
        f"import or_jupyter: {ours:.0f} ms (target <= 150 ms): {'met' if ours <= 150 else 'MISSED'}"
    )
    print(
        f"%load_ext: {load_ms:.0f} ms (target <= 300 ms): {'met' if load_ms <= 300 else 'MISSED'}"
    )
    client = figures["or_jupyter.Client"]
    for sdk in ("openai.OpenAI", "openrouter.OpenRouter"):
        if sdk in figures:
            print(
                f"{sdk} takes {figures[sdk] / client:.1f}x as long to import as or_jupyter.Client"
            )


if __name__ == "__main__":
    main()
