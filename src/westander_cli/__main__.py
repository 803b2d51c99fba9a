from westander_cli.cli.app import run

run()
