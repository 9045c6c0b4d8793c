"""python3 -m ssbsim.plot COMMAND FILES... [options]"""

import sys

from . import COMMANDS, command


def usage(stream):
    print("usage: python3 -m ssbsim.plot COMMAND FILES... [options]\n\ncommands:", file=stream)
    for name, what in COMMANDS.items():
        print(f"  {name:14s}{what}", file=stream)
    print("\n`python3 -m ssbsim.plot COMMAND --help` describes a command.", file=stream)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        usage(sys.stdout)
        return 0
    if argv[0] not in COMMANDS:
        print(f"error: unknown plot command '{argv[0]}'", file=sys.stderr)
        usage(sys.stderr)
        return 2
    command(argv[0]).main(argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
