"""Allow ``python -m textmine``."""

from textmine.cli import main

if __name__ == "__main__":
    main()
