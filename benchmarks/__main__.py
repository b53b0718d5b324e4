"""python -m benchmarks [NAME ...] [--list]

NAME is a benchmark's full name or a prefix of it (`notebook_seconds` runs every notebook);
with no NAME every benchmark runs. Results go to stdout as JSON lines, progress to stderr.
"""
import argparse
import json
import sys

from . import registry


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[1])
    parser.add_argument("names", nargs="*", metavar="NAME")
    parser.add_argument("--list", action="store_true", help="print the names and exit")
    args = parser.parse_args(argv)
    available = registry()
    if args.list:
        print("\n".join(available))
        return 0
    chosen = [n for n in available if not args.names
              or any(n == want or n.startswith(want) for want in args.names)]
    unknown = [w for w in args.names if not any(n == w or n.startswith(w) for n in available)]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; try --list")
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        print(json.dumps(available[name]()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
