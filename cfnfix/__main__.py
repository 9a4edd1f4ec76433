"""``python -m cfnfix``: the command line."""

from cfnfix.cli import main

main()
