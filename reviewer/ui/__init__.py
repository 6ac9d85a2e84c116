"""The web UI: Gradio Blocks (app, view, handlers), the service behind them, login and serving."""
