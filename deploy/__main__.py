"""The entry point `Pulumi.yaml` names (`main: deploy/`); the program itself is
`platform_cli.pulumi_program`, installed with the package in the project's virtualenv."""

from platform_cli.pulumi_program import main

main()
