"""Creating tenant schemas and checking migrations, at 0, 100 and 500 existing tenants.

    make bench-provisioning      (or: .venv/bin/python bench/provisioning.py)

In a database of its own (`eoffice_bench`, on DATABASE_URL's server or the embedded one), on
the project's real tenant apps, in one run:

- time to create one tenant schema ready for use, at 0, 100 and 500 existing tenants: ours
  (the template's blueprint, provisioning.blueprint) beside stock django-tenants, both its
  `auto_create_schema` path (CREATE SCHEMA, then every migration) and its clone path
  (CloneSchema from the template, then migrations recorded with --fake);
- `migrate_schemas` with nothing to apply at 100 and 500 tenants: ours (`migrate_tenants`)
  beside stock django-tenants' standard and multiprocessing executors, each a fresh process;
- end-to-end provisioning at 500 tenants through a real worker process: from an approved
  application (a department of 20 offices, 100 posts, 80 officers) to its first administrator
  signed in (invitation received, password set, signed in).

Medians of --runs runs (stock no-op migrations at 500 tenants: --slow-runs). Ends with one
JSON line of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import end_to_end
from bench.common import ROOT, bench_environment, localstack
from config.tenancy import use_public_schema

LEVELS = (0, 100, 500)
MIGRATE_LEVELS = (100, 500)


def median_seconds(action: Callable[[int], None], runs: int) -> float:
    timings = []
    for run in range(runs):
        started = time.perf_counter()
        action(run)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median)")
    parser.add_argument(
        "--slow-runs",
        type=int,
        default=1,
        help="runs of each stock no-op migration at 500 tenants (about 90 s each here)",
    )
    args = parser.parse_args()
    if args.runs < 1 or args.slow_runs < 1:
        parser.error("--runs and --slow-runs take at least one run each (a median needs one)")

    with bench_environment() as env:
        print("Preparing: public schema, template schema and its blueprint", flush=True)
        localstack.manage(env, "migrate_tenants", "-v", "0")
        os.environ.update(env)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        creation: dict[int, dict[str, float]] = {}
        migration: dict[int, dict[str, float]] = {}
        # Every figure of a level is taken with exactly that many tenants in the database.
        for level in LEVELS:
            populate(level)
            creation[level] = measure_creation(args.runs)
            print(f"  at {level} tenants: " + format_row(creation[level]), flush=True)
            if level in MIGRATE_LEVELS:
                runs = args.runs if level < 500 else args.slow_runs
                migration[level] = measure_noop_migrations(env, args.runs, runs)
                print(
                    f"  no-op migrate at {level} tenants: " + format_row(migration[level]),
                    flush=True,
                )
        print("End-to-end provisioning through a worker process", flush=True)
        e2e = end_to_end.measure(env, args.runs)

    report(creation, migration, e2e)
    return 0


def format_row(row: dict[str, float]) -> str:
    return ", ".join(f"{label} {seconds * 1000:.0f} ms" for label, seconds in row.items())


def measure_creation(runs: int) -> dict[str, float]:
    """Median time of each method to create one schema, at the current number of tenants."""
    from django.core.management import call_command
    from django.db import connection
    from django_tenants.clone import CloneSchema

    from provisioning.blueprint import create_schema_from_blueprint
    from provisioning.migration_state import TEMPLATE_SCHEMA
    from tenants.models import Tenant

    def drop(name: str) -> None:
        use_public_schema()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{name}" CASCADE')

    def ours(name: str) -> None:
        create_schema_from_blueprint(name)

    def stock_migrations(name: str) -> None:
        # TenantMixin.create_schema as auto_create_schema runs it: CREATE SCHEMA, migrations.
        Tenant(schema_name=name).create_schema(verbosity=0)

    def stock_clone(name: str) -> None:
        # TenantMixin.create_schema with TENANT_BASE_SCHEMA: clone, then fake the migrations.
        CloneSchema().clone_schema(TEMPLATE_SCHEMA, name, "DATA")
        call_command(
            "migrate_schemas",
            tenant=True,
            fake=True,
            schema_name=name,
            interactive=False,
            verbosity=0,
        )
        use_public_schema()

    methods = {"ours": ours, "stock_migrations": stock_migrations, "stock_clone": stock_clone}
    results: dict[str, float] = {}
    for label, method in methods.items():
        # One untimed run first: the first DDL on a connection pays for cold catalog caches.
        method(f"bench_{label}_warmup")
        drop(f"bench_{label}_warmup")

        def once(run: int, method: Callable[[str], None] = method, label: str = label) -> None:
            method(f"bench_{label}_{run}")

        results[label] = median_seconds(once, runs)
        for run in range(runs):  # back to exactly the level's number of schemas
            drop(f"bench_{label}_{run}")
    return results


def populate(level: int) -> None:
    """Registers tenants with schemas (from the blueprint) until `level` exist."""
    from django.db import connection

    from provisioning.blueprint import create_schema_from_blueprint
    from tenants.models import Tenant
    from tenants.services import register_tenant, transition_tenant

    existing = Tenant.objects.count()
    if existing >= level:
        return
    print(f"Populating {level - existing} tenants", flush=True)
    for number in range(existing, level):
        tenant = register_tenant(
            name=f"Bench tenant {number}",
            kind="department",
            subdomain=f"t{number}",
            actor="bench",
        )
        create_schema_from_blueprint(tenant.schema_name)
        for state in (Tenant.State.APPROVED, Tenant.State.PROVISIONING, Tenant.State.ACTIVE):
            transition_tenant(tenant=tenant, to_state=state, actor="bench")
    # Fresh statistics for the grown catalogs: the stock clone's catalog queries need them.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def measure_noop_migrations(env: dict[str, str], runs: int, stock_runs: int) -> dict[str, float]:
    """Median time of each whole command, in a fresh process, with nothing to apply."""
    commands = {
        "ours": ["migrate_tenants"],
        "stock_standard": ["migrate_schemas", "--executor=standard"],
        "stock_multiprocessing": ["migrate_schemas", "--executor=multiprocessing"],
    }
    results: dict[str, float] = {}
    for label, command in commands.items():

        def once(run: int, command: list[str] = command) -> None:
            subprocess.run(
                [sys.executable, "manage.py", *command, "-v", "0"],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )

        results[label] = median_seconds(once, runs if label == "ours" else stock_runs)
    return results


def report(
    creation: dict[int, dict[str, float]],
    migration: dict[int, dict[str, float]],
    e2e: dict[str, float],
) -> None:
    print("\nOne tenant schema ready for use (median)")
    print(
        f"{'existing tenants':>18}{'ours':>12}{'stock migrations':>20}{'stock clone':>14}"
        f"{'vs migrations':>16}{'vs clone':>10}"
    )
    for level, row in creation.items():
        print(
            f"{level:>18}{row['ours'] * 1000:>10.0f}ms{row['stock_migrations'] * 1000:>18.0f}ms"
            f"{row['stock_clone'] * 1000:>12.0f}ms"
            f"{row['stock_migrations'] / row['ours']:>15.1f}x"
            f"{row['stock_clone'] / row['ours']:>9.1f}x"
        )
    print("\nmigrate_schemas with nothing to apply (whole command, fresh process)")
    print(
        f"{'tenants':>18}{'ours':>12}{'stock standard':>18}{'stock multiproc':>18}"
        f"{'vs multiproc':>15}"
    )
    for level, row in migration.items():
        print(
            f"{level:>18}{row['ours']:>11.2f}s{row['stock_standard']:>17.2f}s"
            f"{row['stock_multiprocessing']:>17.2f}s"
            f"{row['stock_multiprocessing'] / row['ours']:>14.1f}x"
        )
    print(
        f"\nEnd-to-end provisioning, approved to first admin signed in, at {LEVELS[-1]} tenants: "
        f"median {e2e['median']:.2f} s, slowest {e2e['max']:.2f} s of {e2e['runs']:.0f} runs "
        "(target: under 3 s; stock django-tenants has no pipeline to compare: its schema "
        "creation alone is in the first table)"
    )
    print(
        json.dumps(
            {
                "bench": "provisioning",
                "create_schema_seconds": {str(k): v for k, v in creation.items()},
                "noop_migrate_seconds": {str(k): v for k, v in migration.items()},
                "end_to_end_seconds": e2e,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
