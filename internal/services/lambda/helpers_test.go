package lambda

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/smithy-go"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
	"github.com/virga-aws/virga/internal/service"
)

// goBootstrap is the aws-lambda-go test function, built in TestMain.
var goBootstrap []byte

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "virga-lambda-test-")
	if err != nil {
		panic(err)
	}
	out := filepath.Join(dir, "bootstrap")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/gofunc")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		panic("building the Go test function: " + err.Error() + "\n" + string(b))
	}
	goBootstrap, err = os.ReadFile(out)
	os.RemoveAll(dir)
	if err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// file is one entry of a test zip.
type file struct {
	name string
	body []byte
	exec bool
}

// makeZip builds a deployment package.
func makeZip(t testing.TB, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		mode := os.FileMode(0o644)
		if f.exec {
			mode = 0o755
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const testRole = "arn:aws:iam::000000000000:role/lambda-role"

// env is a test server with a Lambda client.
type env struct {
	srv    *server.Server
	svc    *Service
	client *awslambda.Client
	cfg    aws.Config
}

// start runs a server with Lambda (and the extra constructors).
func start(t *testing.T, opts server.Options, lopts Options, extra ...servertest.Constructor) *env {
	t.Helper()
	e := &env{}
	ctor := func(d service.Deps) (*service.Service, error) {
		s, svc, err := build(d, lopts)
		e.svc = s
		return svc, err
	}
	e.srv = servertest.Start(t, opts, append([]servertest.Constructor{ctor}, extra...)...)
	e.cfg = servertest.Config(t, e.srv, "", "")
	e.client = awslambda.NewFromConfig(e.cfg, func(o *awslambda.Options) { o.RetryMaxAttempts = 1 })
	t.Cleanup(func() {
		e.srv.Close()
		if n := e.svc.InstanceCount(); n != 0 {
			t.Errorf("%d instances still running after Close", n)
		}
	})
	return e
}

// create makes a function and returns its configuration.
func (e *env) create(t *testing.T, name, rt, handler string, zipBytes []byte, mod ...func(*awslambda.CreateFunctionInput)) *awslambda.CreateFunctionOutput {
	t.Helper()
	in := &awslambda.CreateFunctionInput{
		FunctionName: aws.String(name),
		Runtime:      types.Runtime(rt),
		Handler:      aws.String(handler),
		Role:         aws.String(testRole),
		Code:         &types.FunctionCode{ZipFile: zipBytes},
	}
	for _, m := range mod {
		m(in)
	}
	out, err := e.client.CreateFunction(context.Background(), in)
	if err != nil {
		t.Fatalf("CreateFunction %s: %v", name, err)
	}
	return out
}

// invoke calls a function synchronously with the log tail.
func (e *env) invoke(t *testing.T, name, payload string) *awslambda.InvokeOutput {
	t.Helper()
	out, err := e.client.Invoke(context.Background(), &awslambda.InvokeInput{
		FunctionName: aws.String(name),
		Payload:      []byte(payload),
		LogType:      types.LogTypeTail,
	})
	if err != nil {
		t.Fatalf("Invoke %s: %v", name, err)
	}
	return out
}

// apiError asserts err is an API error with the code and returns it.
func apiError(t *testing.T, err error, code string) smithy.APIError {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is not an API error (want %s)", err, code)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("error code %s (%s), want %s", ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	return ae
}

// goZip is the Go function's package.
func goZip(t testing.TB) []byte {
	return makeZip(t, file{name: "bootstrap", body: goBootstrap, exec: true})
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
