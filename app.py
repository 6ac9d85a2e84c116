"""Start the 绩效自评审阅助手 web UI: ``python app.py [--port N] [--host H]`` (same as ``reviewer serve``)."""

from __future__ import annotations

import argparse
import os

# Set before anything can import gradio: no analytics, nothing leaves the machine.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")


def main() -> None:
    parser = argparse.ArgumentParser(description="绩效自评审阅助手网页界面")
    parser.add_argument("--port", type=int, default=None,
                        help="端口（默认取 REVIEWER_PORT，其次 GRADIO_SERVER_PORT，再次 7860）")
    parser.add_argument("--host", default=None, help="监听地址（未设置 REVIEWER_AUTH 时只能是 127.0.0.1）")
    args = parser.parse_args()
    from reviewer.ui.server import serve

    serve(port=args.port, host=args.host)


if __name__ == "__main__":
    main()
