package runtime

import (
	"embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

//go:embed bootstrap/python.py bootstrap/node.js
var bootstraps embed.FS

// Launch is how to start the process of one runtime.
type Launch struct {
	// Path is the executable.
	Path string
	// Args are its arguments.
	Args []string
	// Env are variables the runtime adds to the function's environment.
	Env []string
	// Telemetry says the runtime writes its own log records to the
	// telemetry pipe (Config.Telemetry), as AWS's managed runtimes do.
	Telemetry bool
}

// EntrypointError is returned by Command for a function whose entrypoint
// cannot be started; Type is Lambda's error type (Runtime.InvalidEntrypoint,
// Runtime.Unavailable).
type EntrypointError struct {
	Type    string
	Message string
}

func (e *EntrypointError) Error() string { return e.Message }

// WriteBootstraps writes Virga's bootstraps for the managed runtimes into
// dir (LAMBDA_RUNTIME_DIR).
func WriteBootstraps(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"python.py", "node.js"} {
		b, err := bootstraps.ReadFile("bootstrap/" + name)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Interpreter names the program on this machine that serves a managed
// runtime: python3 for every python3.x, node for every nodejs*.x; "" for
// provided runtimes, which run the function's own bootstrap.
func Interpreter(runtimeName string) (string, bool) {
	switch {
	case strings.HasPrefix(runtimeName, "provided"):
		return "", true
	case strings.HasPrefix(runtimeName, "python3"):
		return "python3", true
	case strings.HasPrefix(runtimeName, "nodejs"):
		return "node", true
	}
	return "", false
}

// Command returns how to start an instance of runtimeName for code in
// taskRoot with layers merged in optDir; runtimeDir holds the bootstraps
// written by WriteBootstraps.
func Command(runtimeName, taskRoot, optDir, runtimeDir string) (Launch, error) {
	interp, ok := Interpreter(runtimeName)
	if !ok {
		return Launch{}, &EntrypointError{Type: "Runtime.Unavailable",
			Message: fmt.Sprintf("Virga cannot run the %s runtime: its process executor runs only provided.al2023, provided.al2, python3.x (with python3) and nodejs*.x (with node)", runtimeName)}
	}
	if interp == "" {
		var tried []string
		for _, dir := range []string{taskRoot, optDir} {
			if dir == "" {
				continue
			}
			p := filepath.Join(dir, "bootstrap")
			tried = append(tried, p)
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				return Launch{Path: p}, nil
			}
		}
		return Launch{}, &EntrypointError{Type: "Runtime.InvalidEntrypoint",
			Message: fmt.Sprintf("Couldn't find valid bootstrap(s): [%s]", strings.Join(tried, " "))}
	}
	path, err := exec.LookPath(interp)
	if err != nil {
		return Launch{}, &EntrypointError{Type: "Runtime.Unavailable",
			Message: fmt.Sprintf("Virga runs the %s runtime with %s, which is not on this machine's PATH", runtimeName, interp)}
	}
	switch interp {
	case "python3":
		return Launch{Path: path, Args: []string{"-u", filepath.Join(runtimeDir, "python.py")}, Telemetry: true}, nil
	default:
		return Launch{Path: path, Args: []string{filepath.Join(runtimeDir, "node.js")}, Telemetry: true}, nil
	}
}

// IsEntrypointError reports whether err is an *EntrypointError.
func IsEntrypointError(err error) (*EntrypointError, bool) {
	var e *EntrypointError
	ok := errors.As(err, &e)
	return e, ok
}
