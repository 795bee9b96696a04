package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

const stateUsage = `Usage:
  virga state save FILE [--url URL] [--service a,b]   save a running Virga's state to FILE
  virga state load FILE [--url URL] [--service a,b]   load FILE into a running Virga

FILE is a state archive (a tar file; "-" is standard output or input). save
writes it through GET /_virga/state, load sends it with POST /_virga/state.
A load replaces the state of each service in the archive and leaves the others
as they are; --service limits either to the services named.

Flags:
`

// runState runs "virga state save|load" with the arguments after "state",
// and returns the exit status.
func runState(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("virga state", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := "http://127.0.0.1:4566"
	if v, ok := os.LookupEnv("VIRGA_URL"); ok {
		def = v
	}
	base := fs.String("url", def, "URL of the running Virga ($VIRGA_URL)")
	only := fs.String("service", "", "comma-separated services to save or load (default: all with state)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), stateUsage)
		fs.PrintDefaults()
	}
	// Flags may come before or after the positional arguments.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			return 2
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != 2 || (pos[0] != "save" && pos[0] != "load") {
		fs.Usage()
		return 2
	}
	endpoint, err := stateURL(*base, *only)
	if err != nil {
		fmt.Fprintln(stderr, "virga state:", err)
		return 2
	}
	if pos[0] == "save" {
		err = saveState(endpoint, pos[1], stdout)
	} else {
		err = loadState(endpoint, pos[1], stdin, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "virga state "+pos[0]+":", err)
		return 1
	}
	return 0
}

// stateURL is base's /_virga/state endpoint, with ?service= when only is
// set.
func stateURL(base, only string) (string, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("--url: want http://host:port, got %q", base)
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + "/_virga/state"
	u.RawQuery = ""
	if only != "" {
		u.RawQuery = url.Values{"service": {only}}.Encode()
	}
	return u.String(), nil
}

// saveState downloads the archive into file (stdout for "-"), through a
// temporary file renamed into place, so a failed save leaves an existing
// file as it was.
func saveState(endpoint, file string, stdout io.Writer) error {
	resp, err := http.Get(endpoint)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return responseError(resp)
	}
	if file == "-" {
		_, err := io.Copy(stdout, resp.Body)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	n, err := io.Copy(tmp, resp.Body)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("download cut short after %d bytes: %w", n, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "saved %s (%d bytes)\n", file, n)
	return nil
}

// loadState uploads file (stdin for "-") and prints the server's answer.
func loadState(endpoint, file string, stdin io.Reader, stdout io.Writer) error {
	body := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		body = f
	}
	resp, err := http.Post(endpoint, "application/x-tar", body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return responseError(resp)
	}
	msg, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "loaded %s: %s\n", file, strings.TrimSpace(string(msg)))
	return nil
}

// responseError describes a failed answer of the internal API.
func responseError(resp *http.Response) error {
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(msg)))
}
