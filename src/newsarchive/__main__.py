from newsarchive.cli import main

if __name__ == "__main__":  # import-safe: multiprocessing workers re-import __main__
    main()
