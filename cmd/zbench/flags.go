package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// parseInterspersed parses flags wherever they stand among the positional
// arguments, so `zbench run lat/syscall --count 3` works as users type it.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// parseArgs parses args as parseInterspersed does and returns the
// positional arguments. Where ok is false the command ends there with code:
// exitOK after --help, exitUsage after a bad flag (the flag package has
// printed why, and the usage).
func parseArgs(fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, flagErrorCode(err), false
	}
	return pos, 0, true
}

// parseFlagsOnly parses the arguments of a command that takes flags and
// nothing else. Where ok is false the command ends there with code, as
// after parseArgs, or with exitUsage for an argument that is not a flag.
func parseFlagsOnly(fs *flag.FlagSet, args []string, stderr io.Writer) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		return flagErrorCode(err), false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "zbench %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return exitUsage, false
	}
	return 0, true
}

// flagErrorCode is the exit status after fs.Parse failed with err: asking
// for help is no failure.
func flagErrorCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: zbench %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// command is a sub-command: its arguments in, its exit status out.
type command func(args []string, stdout, stderr io.Writer) int

// dispatch runs the command args[0] names from cmds, the one dispatcher
// behind `zbench` and `zbench history`: no command is a usage error, help
// prints the usage to stdout, and an unknown name is a usage error that
// names it.
func dispatch(prog, usage string, cmds map[string]command, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	if cmd, ok := cmds[name]; ok {
		return cmd(rest, stdout, stderr)
	}
	switch name {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "%s: unknown command %q\n\n%s", prog, name, usage)
		return exitUsage
	}
}
