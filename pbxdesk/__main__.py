import sys

if len(sys.argv) == 3 and sys.argv[1] == "--writer-process":
    # The frozen app started as a profile's writer process (pbxdesk.store.writer): nothing else
    # is imported, so it is ready in a moment.
    from pbxdesk.store.committer import main as writer_main

    sys.exit(writer_main(sys.argv[2:]))

from pbxdesk.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
