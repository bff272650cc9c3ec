#!/usr/bin/env python3
"""The supervisor at several sizes beside the C floor and s6: reads the shared harness's results (one
results JSON per size, from `svbench.py run --scenarios start,idle,shutdown --n N`) and prints the table of
docs/performance.md ("At every size"), with the issue's earlier figures beside the new ones.

Usage: sizes.py RESULTS_10.json RESULTS_50.json ...   (the size is read from each file)"""
import json
import sys

# The runtime performance issue's table, measured before the stop path was made linear (same harness).
BEFORE = {
    10: {"start": (78.9, 36.9, 83.8), "pss": (7.8, 5.1), "shutdown": (4.7, 2.5, 19.5)},
    50: {"start": (111.9, 72.6, 288.5), "pss": (9.4, 19.5), "shutdown": (11.3, 6.6, 132.6)},
    200: {"start": (339.9, 199.4, 1111.0), "pss": (15.8, 73.2), "shutdown": (137.6, 15.1, 583.1)},
    500: {"start": (633.3, 446.0, 3035.0), "pss": (28.4, 180.6), "shutdown": (1371.0, 36.6, 1558.0)},
}


def figures(path):
    data = json.load(open(path))
    results = data["results"]

    def start(peer):
        return results[peer]["start"]["summary"]["median"] * 1000

    def shutdown(peer):
        return results[peer]["shutdown"]["SIGTERM"]["all_summary"]["median"] * 1000

    def pss(peer):
        return results[peer]["idle"]["pss_tree_mib"]

    return data["params"]["n"], {
        "start": (start("project"), start("baseline-c"), start("s6")),
        "pss": (pss("project"), pss("s6")),
        "shutdown": (shutdown("project"), shutdown("baseline-c"), shutdown("s6")),
    }


def main():
    rows = sorted(figures(path) for path in sys.argv[1:])
    print("| children | start→ready Tandem / C floor / s6, ms (ratio) | before (ratio) | idle PSS Tandem / s6, MiB | before | "
          "SIGTERM → all gone Tandem / C floor / s6, ms (ratio) | before (ratio) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for n, now in rows:
        before = BEFORE.get(n)

        def triple(values):
            tandem, floor, s6 = values
            return f"{tandem:,.1f} / {floor:,.1f} / {s6:,.1f} ({tandem / floor:.2f})"

        print(f"| {n} | {triple(now['start'])} | {triple(before['start']) if before else '–'} | "
              f"{now['pss'][0]:.1f} / {now['pss'][1]:.1f} | {'%.1f / %.1f' % before['pss'] if before else '–'} | "
              f"{triple(now['shutdown'])} | {triple(before['shutdown']) if before else '–'} |")


if __name__ == "__main__":
    main()
