package lambda

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/service"
)

// seed builds the state the persistence tests expect back: function "p"
// with tags, reserved concurrency, versions 1 (STAGE=one) and 2, $LATEST
// (STAGE=latest), alias live (1, 30% to 2), a function and an alias
// policy, and an asynchronous configuration on the alias. It returns the
// function's and the alias's policies.
func (e *env) seed(t *testing.T) (fnPolicy, aliasPolicy string) {
	t.Helper()
	ctx := context.Background()
	e.twoVersions(t, "p", func(in *awslambda.CreateFunctionInput) { in.Tags = map[string]string{"team": "core"} })
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("p"),
		Environment: &types.Environment{Variables: map[string]string{"STAGE": "latest"}}}))
	must(e.client.PutFunctionConcurrency(ctx, &awslambda.PutFunctionConcurrencyInput{FunctionName: aws.String("p"), ReservedConcurrentExecutions: aws.Int32(5)}))
	must(e.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String("p"), Name: aws.String("live"), FunctionVersion: aws.String("1"),
		RoutingConfig: &types.AliasRoutingConfiguration{AdditionalVersionWeights: map[string]float64{"2": 0.3}}}))
	must(e.client.AddPermission(ctx, &awslambda.AddPermissionInput{FunctionName: aws.String("p"), StatementId: aws.String("sns"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("sns.amazonaws.com"), SourceArn: aws.String("arn:aws:sns:us-east-1:000000000000:topic")}))
	must(e.client.AddPermission(ctx, &awslambda.AddPermissionInput{FunctionName: aws.String("p"), Qualifier: aws.String("live"), StatementId: aws.String("any"),
		Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("*")}))
	must(e.client.PutFunctionEventInvokeConfig(ctx, &awslambda.PutFunctionEventInvokeConfigInput{FunctionName: aws.String("p"), Qualifier: aws.String("live"),
		MaximumRetryAttempts: aws.Int32(1)}))
	return e.policies(t)
}

func (e *env) policies(t *testing.T) (string, string) {
	t.Helper()
	ctx := context.Background()
	fp, err := e.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	ap, err := e.client.GetPolicy(ctx, &awslambda.GetPolicyInput{FunctionName: aws.String("p:live")})
	if err != nil {
		t.Fatal(err)
	}
	return *fp.Policy + *fp.RevisionId, *ap.Policy + *ap.RevisionId
}

// checkSeed asserts the state seed built is all there and runs.
func (e *env) checkSeed(t *testing.T, fnPolicy, aliasPolicy string) {
	t.Helper()
	ctx := context.Background()
	got, err := e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	if got.Configuration.State != types.StateActive || got.Tags["team"] != "core" || got.Concurrency == nil ||
		*got.Concurrency.ReservedConcurrentExecutions != 5 || got.Configuration.Environment.Variables["STAGE"] != "latest" {
		t.Fatalf("GetFunction %+v tags %v", got.Configuration, got.Tags)
	}
	vs, err := e.client.ListVersionsByFunction(ctx, &awslambda.ListVersionsByFunctionInput{FunctionName: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs.Versions) != 3 || vs.Versions[1].Environment.Variables["STAGE"] != "one" {
		t.Fatalf("versions %+v", vs.Versions)
	}
	a, err := e.client.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: aws.String("p"), Name: aws.String("live")})
	if err != nil || *a.FunctionVersion != "1" || a.RoutingConfig.AdditionalVersionWeights["2"] != 0.3 {
		t.Fatalf("alias %+v %v", a, err)
	}
	cfg, err := e.client.GetFunctionEventInvokeConfig(ctx, &awslambda.GetFunctionEventInvokeConfigInput{FunctionName: aws.String("p"), Qualifier: aws.String("live")})
	if err != nil || *cfg.MaximumRetryAttempts != 1 {
		t.Fatalf("event invoke config %+v %v", cfg, err)
	}
	if fp, ap := e.policies(t); fp != fnPolicy || ap != aliasPolicy {
		t.Fatalf("policies\n%s\n%s\nwant\n%s\n%s", fp, ap, fnPolicy, aliasPolicy)
	}
	for q, stage := range map[string]string{"1": "one", "2": "two", "": "latest"} {
		if env, _ := e.invokeEnv(t, "p", q); env["STAGE"] != stage {
			t.Errorf("qualifier %q runs STAGE=%s, want %s", q, env["STAGE"], stage)
		}
	}
	// Version numbers continue after the restored ones.
	if _, err := e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("p"), Timeout: aws.Int32(9)}); err != nil {
		t.Fatal(err)
	}
	if v, err := e.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("p")}); err != nil || *v.Version != "3" {
		t.Fatalf("publish after restore: %+v %v", v, err)
	}
}

func TestPersistRestart(t *testing.T) {
	dir := t.TempDir()
	e := start(t, server.Options{DataDir: dir}, Options{})
	fnPolicy, aliasPolicy := e.seed(t)
	e.invoke(t, "p", `{}`)
	e.create(t, "gone", "provided.al2023", "bootstrap", tinyZip(t))
	e.srv.Close()

	e = start(t, server.Options{DataDir: dir}, Options{})
	if n := e.svc.InstanceCount(); n != 0 {
		t.Fatalf("%d instances after restart", n)
	}
	e.checkSeed(t, fnPolicy, aliasPolicy)
	ctx := context.Background()
	if _, err := e.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteAlias(ctx, &awslambda.DeleteAliasInput{FunctionName: aws.String("p"), Name: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String("p"), Qualifier: aws.String("2")}); err != nil {
		t.Fatal(err)
	}
	e.srv.Close()

	e = start(t, server.Options{DataDir: dir}, Options{})
	_, err := e.client.GetFunction(ctx, &awslambda.GetFunctionInput{FunctionName: aws.String("gone")})
	mustFail(t, err, "ResourceNotFoundException", "Function not found: "+fnARN+"gone")
	_, err = e.client.GetAlias(ctx, &awslambda.GetAliasInput{FunctionName: aws.String("p"), Name: aws.String("live")})
	apiError(t, err, "ResourceNotFoundException")
	vs, err := e.client.ListVersionsByFunction(ctx, &awslambda.ListVersionsByFunctionInput{FunctionName: aws.String("p")})
	if err != nil || len(vs.Versions) != 3 || *vs.Versions[2].Version != "3" {
		t.Fatalf("versions after deletes: %+v %v", vs, err)
	}
	// Reset forgets everything, on disk too.
	resetAll(t, e)
	e.srv.Close()
	e = start(t, server.Options{DataDir: dir}, Options{})
	if fns, err := e.client.ListFunctions(ctx, &awslambda.ListFunctionsInput{}); err != nil || len(fns.Functions) != 0 {
		t.Fatalf("functions after reset and restart: %+v %v", fns, err)
	}
}

func resetAll(t *testing.T, e *env) {
	t.Helper()
	resp, err := http.Post(e.srv.URL()+"/_virga/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("reset: %s", resp.Status)
	}
}

// stateCall saves (GET) or loads (POST) /_virga/state.
func stateCall(t *testing.T, e *env, method string, body []byte) []byte {
	t.Helper()
	req, err := http.NewRequest(method, e.srv.URL()+"/_virga/state", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s /_virga/state: %s %s", method, resp.Status, out)
	}
	return out
}

// TestSnapshot saves a memory-mode server's functions with their code and
// loads them into a durable one, which keeps them across a restart.
func TestSnapshot(t *testing.T) {
	a := start(t, server.Options{}, Options{})
	fnPolicy, aliasPolicy := a.seed(t)
	archive := stateCall(t, a, http.MethodGet, nil)
	again := stateCall(t, a, http.MethodGet, nil)
	if !bytes.Equal(archive, again) {
		t.Error("two saves of the same state differ")
	}

	dir := t.TempDir()
	b := start(t, server.Options{DataDir: dir}, Options{})
	b.create(t, "replaced", "provided.al2023", "bootstrap", tinyZip(t))
	stateCall(t, b, http.MethodPost, archive)
	_, err := b.client.GetFunction(context.Background(), &awslambda.GetFunctionInput{FunctionName: aws.String("replaced")})
	apiError(t, err, "ResourceNotFoundException")
	b.srv.Close()
	b = start(t, server.Options{DataDir: dir}, Options{})
	b.checkSeed(t, fnPolicy, aliasPolicy)

	// A damaged snapshot changes nothing.
	req, _ := http.NewRequest(http.MethodPost, b.srv.URL()+"/_virga/state", bytes.NewReader(archive[:len(archive)/2]))
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("a truncated archive loaded")
		}
	}
	if _, err := b.client.GetFunction(context.Background(), &awslambda.GetFunctionInput{FunctionName: aws.String("p")}); err != nil {
		t.Fatalf("after a failed load: %v", err)
	}
}

// FuzzRestore feeds Restore arbitrary snapshots: it must fail cleanly or
// install functions, never panic.
func FuzzRestore(f *testing.F) {
	f.Add([]byte(`{"ns":"lambda/functions","key":"000000000000/us-east-1/f","value":{"account":"000000000000","region":"us-east-1","name":"f","latest":{"name":"$LATEST","code":{"sha256":"x"}}}}`))
	f.Add([]byte(`{"ns":"lambda/aliases","key":"000000000000/us-east-1/f/a","value":{"name":"a","version":"1"}}`))
	f.Add([]byte(`{"ns":"lambda/versions","key":"k","value":{}}` + "\n" + `{"ns":"nope"}`))
	f.Add([]byte(`{"ns":"lambda/functions","key":"000000000000/us-east-1/f","value":{"account":"000000000000","region":"us-east-1","name":"f","latest":{"name":"$LATEST","code":{"sha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}},"policies":{"$LATEST":[{"sid":"a","json":{}}]}}}`))
	f.Add([]byte("not json"))
	s, _, err := build(service.Deps{}, Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	f.Fuzz(func(t *testing.T, in []byte) {
		s.Restore(bytes.NewReader(in))
	})
}
