"""Translation catalogues of the web app: extract | update | check.

    PYTHONPATH=src python scripts/i18n.py extract   # list the message ids in use
    PYTHONPATH=src python scripts/i18n.py update    # add new ids to the .po files, drop unused,
                                                    # fill zh-Hant from zh-Hans (OpenCC)
    PYTHONPATH=src python scripts/i18n.py check     # exit 1 listing ids without a translation

After merging branches that add template strings: run `update`, write the zh-Hans
`msgstr` of each new entry in src/newsarchive/locale/zh_Hans/LC_MESSAGES/messages.po,
run `update` again (zh-Hant follows), then `check`.
"""

from __future__ import annotations

import sys

from newsarchive import catalogues


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "extract":
        for message in catalogues.extract():
            if message.id:
                print(message.id)
        return 0
    if command == "update":
        missing = catalogues.update()
        for locale, count in missing.items():
            print(f"{locale}: {count} id(s) without a translation")
        return 0
    if command == "check":
        failed = False
        for locale, problems in catalogues.check().items():
            for problem in problems:
                print(f"{locale}: {problem}")
                failed = True
        if not failed:
            print("catalogues complete")
        return 1 if failed else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
