"""Child process standing for an analyst: opens a DuckDB file read-only and keeps it open.

Usage: python _reader_child.py DB SECONDS
Prints "open <articles>" once open, then, each time a line arrives on stdin, the article count it
sees; exits after SECONDS or at end of input.
"""

import sys
import threading
import time

import duckdb


def main() -> None:
    con = duckdb.connect(sys.argv[1], read_only=True)
    count = "select count(*) from articles"
    print(f"open {con.execute(count).fetchall()[0][0]}", flush=True)

    def answer() -> None:
        for _ in sys.stdin:
            print(f"sees {con.execute(count).fetchall()[0][0]}", flush=True)

    threading.Thread(target=answer, daemon=True).start()
    time.sleep(float(sys.argv[2]))
    con.close()


if __name__ == "__main__":
    main()
