// Command calldesk is the university service desk: one binary for the web console, the portal,
// the JSON API and the background jobs. See calldesk help.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"calldesk/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, cli.Env{Args: os.Args[1:], Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
