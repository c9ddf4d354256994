from xxgk.cli import run

run()
