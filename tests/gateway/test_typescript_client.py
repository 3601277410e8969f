"""A TypeScript client generated from the gateway's merged OpenAPI document compiles (issue #15, item 6).

The document is the one the gateway serves at /openapi.json (``merge_openapi`` over every service's own
document); ``openapi-typescript`` turns it into types and ``tsc --noEmit --strict`` compiles them with a
small client that reads a few of the console's answers through them. The npm packages are installed by the
test, at pinned versions, into a cache inside the virtualenv (``.venv/ts-client-tools``), once.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.app import merge_openapi
from services.common.registry import SERVICES
from tests.support.documents import api_document

# Measured: 22 s with the tools cached (merging the documents ~12 s, two tsc runs ~10 s); npm install adds
# ~10-20 s once. Over the ~20 s budget of a fast test: slow. Since, the services' documents are built once per
# process (tests/support/documents.py), usually already at collection by another module, and one tsc run
# compiles both clients: 23 s at load 8-10.
pytestmark = pytest.mark.slow

TOOLS = {"openapi-typescript": "7.13.0", "typescript": "5.9.3"}
CACHE = Path(sys.prefix) / "ts-client-tools"
NODE = shutil.which("node") or "node"

CLIENT = """
import type { components, operations, paths } from "./api";

type Json<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: { 200: { content: { "application/json": infer T } } };
}
  ? T
  : never;

type Rectification = components["schemas"]["RiskRectificationRead"];
type Consistency = Json<"/api/v1/penalty/consistency", "get">;
type Cleanup = components["schemas"]["CreditRepairCleanupRead"];
// operations by their stable id (<service>.<function>), the shared problem, a file answer
type CheckIn = operations["inspection.checkIn"]["responses"][201]["content"]["application/json"];
type Refusal = components["schemas"]["Problem"];
type Pdf = operations["penalty.documentPdf"]["responses"][200]["content"]["application/pdf"];

export function visitOf(answer: CheckIn): string {
  return answer.visit.visit_id;
}

export function refusalCode(problem: Refusal): string {
  return `${problem.status} ${problem.code}`;
}

export async function savePdf(response: Response): Promise<Pdf> {
  return (await response.blob()) as unknown as Pdf;
}

export async function consistency(base: string, token: string): Promise<number> {
  const response = await fetch(`${base}/api/v1/penalty/consistency`, { headers: { Authorization: `Bearer ${token}` } });
  const body = (await response.json()) as Consistency;
  return body.outside_range_total + body.district_position_total + body.same_facts_total;
}

export function overdue(items: Rectification[]): string[] {
  return items.filter((r) => r.overdue).map((r) => r.unit_code);
}

export function progress(run: Cleanup): string {
  return `${Math.round(run.progress * 100)}%`;
}

// through the compacted document's shared parts: the one problem response, a shared query parameter, a
// nullable field written as a type list
type DecideRefusal = operations["penalty.decide"]["responses"]["default"]["content"]["application/problem+json"];
type DeadLetterQuery = NonNullable<operations["inspection.listDeadLetters"]["parameters"]["query"]>;
type Case = components["schemas"]["PenaltyCaseRead"];

export function refusedDecision(problem: DecideRefusal): string {
  return problem.code;
}

export function nextPage(query: DeadLetterQuery, cursor: string): DeadLetterQuery {
  return { ...query, cursor, limit: 50 };
}

export function withoutBenchmark(c: Case): Case {
  return { ...c, benchmark_code: null };
}
"""


def install_tools() -> Path:
    """node_modules with the pinned packages (installed once; a version change installs anew)."""
    npm = shutil.which("npm")
    assert npm, "npm is needed to generate the TypeScript client"
    stamp = CACHE / "versions.json"
    if not stamp.is_file() or json.loads(stamp.read_text()) != TOOLS:
        CACHE.mkdir(parents=True, exist_ok=True)
        (CACHE / "package.json").write_text(json.dumps({"name": "zhifa-ts-client-tools", "private": True}))
        subprocess.run(
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                "--save-exact",
                *(f"{n}@{v}" for n, v in TOOLS.items()),
            ],
            cwd=CACHE,
            check=True,
            capture_output=True,
            timeout=300,
        )
        stamp.write_text(json.dumps(TOOLS))
    return CACHE / "node_modules"


def merged_document() -> dict[str, object]:
    return merge_openapi({name: api_document(name) for name in SERVICES})


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """api.d.ts generated from the merged document, in a folder of its own."""
    modules = install_tools()
    folder = tmp_path_factory.mktemp("ts-client")
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(merged_document(), ensure_ascii=False), encoding="utf-8")
    generate = subprocess.run(
        [
            NODE,
            str(modules / "openapi-typescript" / "bin" / "cli.js"),
            str(spec),
            "-o",
            str(folder / "api.d.ts"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert generate.returncode == 0, generate.stderr
    return folder


def tsc(folder: Path, *files: str) -> subprocess.CompletedProcess[str]:
    options = [
        "--noEmit",
        "--strict",
        "--target",
        "es2022",
        "--module",
        "es2022",
        "--moduleResolution",
        "bundler",
    ]
    return subprocess.run(
        [NODE, str(CACHE / "node_modules" / "typescript" / "bin" / "tsc"), *options, "--lib", "es2022,dom"]
        + list(files),
        capture_output=True,
        text=True,
        timeout=180,
        cwd=folder,
    )


@pytest.fixture(scope="module")
def compiled(generated: Path) -> dict[str, str]:
    """The client and one that misreads the API, compiled in one tsc run (its time is mostly checking the
    generated api.d.ts, once instead of once per client): each file's diagnostics (tsc prints
    ``<file>(<line>,<col>): error ...``, a message's further lines indented), and ``""`` for anything else."""
    (generated / "client.ts").write_text(CLIENT, encoding="utf-8")
    misread = CLIENT.replace("run.progress * 100", "run.percent_done * 100")
    (generated / "misread.ts").write_text(misread, encoding="utf-8")
    result = tsc(generated, "client.ts", "misread.ts")
    found = {"client.ts": "", "misread.ts": "", "": result.stderr}
    current = ""
    for line in result.stdout.splitlines():
        if not line.startswith(" "):
            name = line.split("(", 1)[0]
            current = name if name in found and name else ""
        found[current] += line + "\n"
    assert (result.returncode == 0) == (not found["client.ts"] and not found["misread.ts"]), result.stdout
    return found


def test_the_generated_typescript_client_compiles(generated: Path, compiled: dict[str, str]) -> None:
    assert "export interface paths" in (generated / "api.d.ts").read_text(encoding="utf-8")
    assert compiled["client.ts"] == "" and compiled[""] == "", compiled


def test_a_client_that_misreads_the_api_does_not_compile(compiled: dict[str, str]) -> None:
    """The check has teeth: a field the API does not have is a compile error."""
    assert "percent_done" in compiled["misread.ts"]
