"""The entry point `Pulumi.yaml` names (`main: deploy/`); the program itself is
`platform_cli.apply.program`, installed with the package in the project's virtualenv."""

from platform_cli.apply.program import main

main()
