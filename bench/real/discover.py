"""List candidate files of the real-invoice sources in local snapshots (one-off helper).

    python -m bench.real.discover --mirror /work/.mirror > /tmp/candidates.json

Walks each source repository's HEAD tree and its history (snapshots may be
shallow: unreadable history is skipped), keeps the paths the issue names,
and prints one JSON object per distinct file content (sha256): repo, commit,
path, sha256, size. `sources.yaml` was written from this list by hand: each
entry's kind and `is_vat` were decided by looking at the file.
"""
from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import subprocess
import sys
from pathlib import Path

# repo → glob patterns (fnmatch on the path inside the repo) the issue names.
SOURCES: dict[str, tuple[str, ...]] = {
    "yanjason552-coder/Intelligent-Invoice-Recognition": ("backend/uploads/invoices/*",),
    "kudeerliu48-web/fapiaohezi": ("fp_api_new/files/*/uploads/*.pdf",),
    "yooongchun/Invoice2Excel": ("example/*.pdf",),
    "ofdrw/ofdrw": ("*/src/test/resources/*.ofd",),
    "erma0/fapiao-print": ("sample.ofd",),
    "sssxyd/rust-ofd2png": ("learning/*.ofd",),
    "renoyuan/easyofd": ("test/*.ofd", "test/*.pdf"),
    "swpudp/OfdSharp": ("src/UnitTests/Files/*.ofd",),
    "sonderlau/invoice_recognition": ("invoice-images/*",),
    "XjoeX/pdf": ("发票.png",),
    "imethanlee/OCR": ("test_case/invoice.png",),
    "xluohao/lyf": ("fapiao.png",),
    "zxwk1998/image": ("fapiao.png",),
    "JRF5535/picture": ("发票.jpg", "1.jpg"),
    "AlexSarron/LuciferKit": ("*.pdf",),
    "Clarence-G/WifiLocation": ("发票.pdf",),
    "hengyizhangcn/filesBackup": ("*发票*",),
    "xiaoyaosheng/public": ("发票.pdf",),
    "wanglia101511/tools": ("发票.pdf",),
    "gy3117577403-ai/fapiao": ("backend/uploads/1/*.pdf",),
    "596966060/fapiao-rename": ("attached_assets/*.pdf", "invoices/*"),
    "RapidAI/RapidTableDetection": ("tests/test_files/chip*.jpg",),
    "qq517737942/iKuai": ("发票.jpg",),
    "aymanajal/picture-bed": ("*.jpg", "*.jpeg"),
}
FIXED_COMMIT = {"kudeerliu48-web/fapiaohezi": "258f12266dce2becdab4ffcfe56d8390b50a8d41"}
EXTENSIONS = (".pdf", ".ofd", ".png", ".jpg", ".jpeg")


def git(git_dir: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-c", "core.quotepath=off", f"--git-dir={git_dir}", *args],
                          capture_output=True, check=False).stdout


def snapshot_dir(mirror: Path, repo: str) -> Path:
    return mirror / repo.replace("/", "+") / "repo"


def candidates(git_dir: Path, repo: str) -> list[tuple[str, str]]:
    """(commit, path) pairs, newest commit first for each path."""
    patterns = SOURCES[repo]
    keep = lambda p: p.lower().endswith(EXTENSIONS) and any(fnmatch.fnmatch(p, pat) for pat in patterns)
    pairs: list[tuple[str, str]] = []
    commits = [FIXED_COMMIT[repo]] if repo in FIXED_COMMIT else [git(git_dir, "rev-parse", "HEAD").decode().strip()]
    for commit in commits:
        for path in git(git_dir, "ls-tree", "-r", "--name-only", commit).decode().splitlines():
            if keep(path):
                pairs.append((commit, path))
    if repo not in FIXED_COMMIT:
        log = git(git_dir, "log", "--all", "--format=C %H", "--name-only", "--diff-filter=AM").decode()
        commit = ""
        for line in log.splitlines():
            if line.startswith("C "):
                commit = line[2:]
            elif line and keep(line):
                pairs.append((commit, line))
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"))
    args = parser.parse_args(argv)
    seen: set[str] = set()
    for repo in SOURCES:
        git_dir = snapshot_dir(args.mirror, repo)
        if not git_dir.exists():
            print(f"missing snapshot: {repo}", file=sys.stderr)
            continue
        for commit, path in candidates(git_dir, repo):
            data = git(git_dir, "show", f"{commit}:{path}")
            if not data:
                continue
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            print(json.dumps({"repo": repo, "commit": commit, "path": path, "sha256": digest, "size": len(data)},
                             ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
