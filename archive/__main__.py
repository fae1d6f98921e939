"""Allow ``python -m archive`` as another name for the ``records`` command."""

from archive.cli import main

main()
