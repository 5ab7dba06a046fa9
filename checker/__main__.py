"""`python -m checker ...` runs the command line, as `imrcheck ...` does."""

from checker.cli import main

main()
