"""Write the bundled sample files: ``python -m core.samples [DIRECTORY]`` (default ``sample_data``)."""

from core.samples._files import main

raise SystemExit(main())
