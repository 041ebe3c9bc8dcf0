"""python -m registry_simulator [--host 127.0.0.1] [--port 5002] [--seed N] [--size N]"""

from __future__ import annotations

import argparse

from werkzeug.serving import run_simple

from . import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description="A simulated national immigration registry.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5002)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--size", type=int, default=None)
    args = parser.parse_args()
    app = create_app(seed=args.seed, size=args.size)
    print(f"Simulated registry: http://{args.host}:{args.port}/")  # noqa: T201 - a CLI's banner
    run_simple(args.host, args.port, app, threaded=True)


if __name__ == "__main__":
    main()
