from monitor.cli import main

if __name__ == "__main__":  # worker processes import the main module too: only the command runs the CLI
    main()
