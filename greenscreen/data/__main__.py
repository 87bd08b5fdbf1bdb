"""python -m greenscreen.data {filter-coco,check,pack} ...: data tools from the command line.

    python -m greenscreen.data filter-coco ../shared/data/coco-person/annotations/instances_person.json [--json]
    python -m greenscreen.data check ../shared/data/portraits/train
    python -m greenscreen.data pack ../shared/data/portraits/train ../shared/data/coco-person:dropped --out /tmp/pack

filter-coco prints how many images the 2017 write-up's COCO person filter keeps and why the others
are dropped (`--json`: {"kept": [file names], "dropped": {reason: count}} on stdout).
check lists a source's facts, every skipped pair with its reason, and suspect masks (all person).
pack writes a compact mask-folder copy of each SPEC to OUT/<label>/ (JPEG q90 photos, 0/255 PNG
masks, longer side at most --max-side), e.g. to carry training data to a GPU host.
User errors print one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .errors import DataError


def _add_filter_options(parser: argparse.ArgumentParser) -> None:
    from .coco import CocoFilter

    defaults = CocoFilter()
    parser.add_argument("--min-people", type=int, default=defaults.min_people, help="fewest people (default %(default)s)")
    parser.add_argument("--max-people", type=int, default=defaults.max_people, help="most people (default %(default)s)")
    parser.add_argument("--min-cover", type=float, default=defaults.min_cover,
                        help="smallest person-pixel fraction of the image (default %(default)s)")
    parser.add_argument("--max-cover", type=float, default=defaults.max_cover,
                        help="largest person-pixel fraction of the image (default %(default)s)")


def _rules(args):
    from .coco import CocoFilter

    return CocoFilter(args.min_people, args.max_people, args.min_cover, args.max_cover)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m greenscreen.data", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    filter_coco = commands.add_parser("filter-coco", help="apply the COCO person filter to an annotations file")
    filter_coco.add_argument("annotations", help="COCO instances .json file")
    filter_coco.add_argument("--json", action="store_true", help="print {kept: [file names], dropped: {reason: count}}")
    _add_filter_options(filter_coco)

    check = commands.add_parser("check", help="list a data source's facts and skipped pairs")
    check.add_argument("spec", help="PATH[:SUBSET]: mask folder, COCO folder or COCO .json (SUBSET: kept, dropped, all)")
    check.add_argument("--json", action="store_true", help="print facts and problems as JSON")
    _add_filter_options(check)

    pack = commands.add_parser("pack", help="write compact mask-folder copies of data sources")
    pack.add_argument("specs", nargs="+", metavar="SPEC", help="PATH[:SUBSET] of each source to copy")
    pack.add_argument("--out", required=True, help="output folder; each SPEC goes to OUT/<label>/")
    pack.add_argument("--max-side", type=int, default=320, help="longer side of the copies in pixels (default %(default)s)")
    pack.add_argument("--quality", type=int, default=90, choices=range(50, 101), metavar="{50..100}",
                      help="JPEG quality (default %(default)s)")
    _add_filter_options(pack)
    return parser


def run_filter_coco(args) -> None:
    from .coco import REASONS, filter_coco, read_coco

    rules = _rules(args)  # bad thresholds fail before the (possibly large) file is read
    result = filter_coco(read_coco(args.annotations), rules)
    counts = result.dropped_counts()
    if args.json:
        print(json.dumps({"kept": [record["file_name"] for record in result.kept],
                          "dropped": {reason: counts.get(reason, 0) for reason in REASONS}}))
        return
    total = len(result.kept) + sum(counts.values())
    print(f"{args.annotations}: {total} images, kept {len(result.kept)}, dropped {total - len(result.kept)}")
    for reason in REASONS:
        if counts.get(reason):
            print(f"  {reason:<16} {counts[reason]:>6}")


def suspect_masks(source) -> tuple[list[str], int]:
    """(pairs whose mask marks every pixel as person, how many masks hold no person at all).

    An all-person mask is almost always a labelling slip (portraits/train 02188 is one): it teaches
    that the background is a person. A mask with no person is a fair negative example, only counted.
    Reads every mask's pixels, so it is a check-time job, not an open-time one."""
    all_person, empty = [], 0
    for i in range(len(source)):
        try:
            _, mask = source.load(i)
        except DataError:
            continue  # unreadable pairs are reported by the loader already
        if mask.all():
            all_person.append(f"{source.name(i)}: the mask marks every pixel as person (probably a labelling error)")
        elif not mask.any():
            empty += 1
    return all_person, empty


def run_check(args) -> None:
    from .sources import open_source

    source = open_source(args.spec, allow_empty=True, rules=_rules(args))
    suspects, empty = suspect_masks(source)
    if args.json:
        print(json.dumps({**source.describe(), "problems": source.problems, "suspect": suspects,
                          "masks_without_person": empty}, indent=2))
        return
    facts = source.describe()
    subset = f":{facts['subset']}" if facts["subset"] else ""
    print(f"{facts['kind']} {facts['path']}{subset}: {facts['count']} usable pairs, {facts['skipped']} skipped, "
          f"{len(suspects)} suspect, {empty} without a person")
    for problem in source.problems:
        print(f"  skipped {problem}")
    for suspect in suspects:
        print(f"  suspect {suspect}")
    if len(source) == 0:
        raise DataError(f"no usable image/mask pairs in {args.spec}")


def run_pack(args) -> None:
    from .pack import pack_source, pack_label
    from .sources import open_source

    if args.max_side < 32:
        raise DataError(f"--max-side must be at least 32, got {args.max_side}")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise DataError(f"--out {out} is not a folder")
    # fail before writing anything; photos without masks are copied with their person boxes
    sources = [open_source(spec, rules=_rules(args), allow_unlabeled=True) for spec in args.specs]
    for source in sources:
        source.report_problems()
    # All or nothing: copies are written to a hidden folder inside OUT and renamed into place at the end,
    # so a failure half-way leaves OUT as it was (and removes it when this run created it).
    created = out
    while not created.parent.exists():
        created = created.parent
    created = None if out.exists() else created
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".pack-", dir=out))
    except OSError as error:
        raise DataError(f"cannot create {out}: {error}") from None
    try:
        used: list[str] = []
        counts = []
        for source in sources:
            label = pack_label(source, set(used))
            used.append(label)
            counts.append(pack_source(source, staging, label, max_side=args.max_side, quality=args.quality))
        for label in used:
            if (out / label).exists():
                shutil.rmtree(out / label)
            os.replace(staging / label, out / label)
    except BaseException:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for spec, source, label, written in zip(args.specs, sources, used, counts):
        print(f"{spec}: wrote {written} {'pairs' if source.has_masks else 'photos'} to {out / label}")


def main(argv=None) -> int:
    from greenscreen.cli_common import run_command

    args = build_parser().parse_args(argv)
    return run_command(lambda: {"filter-coco": run_filter_coco, "check": run_check, "pack": run_pack}[args.command](args))


if __name__ == "__main__":
    sys.exit(main())
