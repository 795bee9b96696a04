package lambda

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/virga-aws/virga/internal/server"
	"github.com/virga-aws/virga/internal/server/servertest"
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

// TestSnapshot saves a memory-mode server's functions, layers and function
// URLs with their archives and loads them into a durable one, which keeps
// them across a restart.
func TestSnapshot(t *testing.T) {
	a := start(t, server.Options{}, Options{})
	fnPolicy, aliasPolicy := a.seed(t)
	layers := a.seedLayers(t)
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
	b.checkLayers(t, layers, true)

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
	f.Add([]byte(`{"ns":"lambda/layers","key":"000000000000/us-east-1/l","value":{"account":"000000000000","region":"us-east-1","name":"l","next":3}}`))
	f.Add([]byte(`{"ns":"lambda/layer-versions","key":"000000000000/us-east-1/l/2","value":{"number":2,"code":{"sha256":"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="},"policy":[{"Sid":""}]}}`))
	f.Add([]byte(`{"ns":"lambda/urls","key":"000000000000/us-east-1/f/","value":{"id":"abc","url":"http://abc.lambda-url.us-east-1.localhost/"}}`))
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

// layerSeed is what seedLayers built, to compare after a restart or a
// load.
type layerSeed struct {
	shared     *awslambda.PublishLayerVersionOutput // shared:1
	policy     string                               // shared:1's policy and revision
	url        *awslambda.GetFunctionUrlConfigOutput
	aliasURL   string
	archives   []string // CodeSha256 of every layer archive published
	withPython bool
}

// seedLayers publishes layer "shared" version 1 (with a policy) and
// version 2, and "goboot" version 1, which holds the Go test function as
// its bootstrap; creates function "boot" (provided.al2023 with no bootstrap
// of its own, so it runs goboot's), publishes it as version 1 with alias
// "live", and gives "boot" and "boot:live" URLs; with python3, function
// "pylayer" imports a module from shared:2. Then it deletes goboot:1 and
// shared:2: the functions keep their archives, as on AWS.
func (e *env) seedLayers(t *testing.T) layerSeed {
	t.Helper()
	ctx := context.Background()
	var seed layerSeed
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	v1zip := makeZip(t, file{name: "python/layermod.py", body: []byte("WHO = 'v1'\n")})
	v2zip := makeZip(t, file{name: "python/layermod.py", body: []byte("WHO = 'v2'\n")})
	bootZip := makeZip(t, file{name: "bootstrap", body: goBootstrap, exec: true})
	seed.archives = []string{sha256b64(v1zip), sha256b64(v2zip), sha256b64(bootZip)}
	seed.shared = e.publish(t, "shared", v1zip, func(in *awslambda.PublishLayerVersionInput) {
		in.Description = aws.String("first")
		in.CompatibleRuntimes = []types.Runtime{types.RuntimePython312}
		in.LicenseInfo = aws.String("MIT")
	})
	must(e.client.AddLayerVersionPermission(ctx, &awslambda.AddLayerVersionPermissionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1),
		StatementId: aws.String("xaccount"), Action: aws.String("lambda:GetLayerVersion"), Principal: aws.String("111122223333")}))
	must(e.client.AddLayerVersionPermission(ctx, &awslambda.AddLayerVersionPermissionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1),
		StatementId: aws.String("org"), Action: aws.String("lambda:GetLayerVersion"), Principal: aws.String("*"), OrganizationId: aws.String("o-abcdefghij")}))
	pol, err := e.client.GetLayerVersionPolicy(ctx, &awslambda.GetLayerVersionPolicyInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1)})
	if err != nil {
		t.Fatal(err)
	}
	seed.policy = *pol.Policy + *pol.RevisionId
	shared2 := e.publish(t, "shared", v2zip)
	boot := e.publish(t, "goboot", bootZip)

	e.create(t, "boot", "provided.al2023", "x", makeZip(t, file{name: "readme.txt", body: []byte("no bootstrap here")}), func(in *awslambda.CreateFunctionInput) {
		in.Layers = []string{*boot.LayerVersionArn}
	})
	must(e.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("boot")}))
	must(e.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String("boot"), Name: aws.String("live"), FunctionVersion: aws.String("1")}))
	must(e.client.CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("boot"), AuthType: types.FunctionUrlAuthTypeNone,
		Cors: &types.Cors{AllowOrigins: []string{"https://app.example"}, AllowMethods: []string{"GET"}, MaxAge: aws.Int32(60)}}))
	aliased, err := e.client.CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("boot:live"), AuthType: types.FunctionUrlAuthTypeNone})
	if err != nil {
		t.Fatal(err)
	}
	seed.aliasURL = *aliased.FunctionUrl
	if seed.url, err = e.client.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String("boot")}); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("python3"); err == nil {
		seed.withPython = true
		src := "import layermod\ndef handler(event, context):\n    return layermod.WHO\n"
		e.create(t, "pylayer", "python3.12", "app.handler", makeZip(t, file{name: "app.py", body: []byte(src)}), func(in *awslambda.CreateFunctionInput) {
			in.Layers = []string{*shared2.LayerVersionArn}
		})
	}
	for _, lv := range []*awslambda.PublishLayerVersionOutput{boot, shared2} {
		must(e.client.DeleteLayerVersion(ctx, &awslambda.DeleteLayerVersionInput{LayerName: lv.LayerArn, VersionNumber: aws.Int64(lv.Version)}))
	}
	e.checkLayers(t, seed, false)
	return seed
}

// checkLayers asserts the state seedLayers built is all there and runs;
// with next, that layer version numbers continue after the deleted ones.
func (e *env) checkLayers(t *testing.T, want layerSeed, next bool) {
	t.Helper()
	ctx := context.Background()
	vs, err := e.client.ListLayerVersions(ctx, &awslambda.ListLayerVersionsInput{LayerName: aws.String("shared")})
	if err != nil || len(vs.LayerVersions) != 1 {
		t.Fatalf("ListLayerVersions: %+v %v", vs, err)
	}
	got := vs.LayerVersions[0]
	if *got.LayerVersionArn != *want.shared.LayerVersionArn || got.Version != 1 || *got.Description != "first" || *got.CreatedDate != *want.shared.CreatedDate ||
		*got.LicenseInfo != "MIT" || len(got.CompatibleRuntimes) != 1 || got.CompatibleRuntimes[0] != types.RuntimePython312 || got.CompatibleArchitectures != nil {
		t.Fatalf("layer version %+v, want %+v", got, want.shared)
	}
	lv, err := e.client.GetLayerVersion(ctx, &awslambda.GetLayerVersionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1)})
	if err != nil || *lv.Content.CodeSha256 != *want.shared.Content.CodeSha256 || lv.Content.CodeSize != want.shared.Content.CodeSize {
		t.Fatalf("GetLayerVersion: %+v %v", lv, err)
	}
	pol, err := e.client.GetLayerVersionPolicy(ctx, &awslambda.GetLayerVersionPolicyInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1)})
	if err != nil || *pol.Policy+*pol.RevisionId != want.policy {
		t.Fatalf("layer policy %v %v, want %s", pol, err, want.policy)
	}
	layers, err := e.client.ListLayers(ctx, &awslambda.ListLayersInput{})
	if err != nil || len(layers.Layers) != 1 || *layers.Layers[0].LayerName != "shared" {
		t.Fatalf("ListLayers: %+v %v", layers, err)
	}

	// The functions run from their layers' archives, deleted layer
	// versions included.
	for _, name := range []string{"boot", "boot:live"} {
		if out := e.invoke(t, name, `{"text":"hi"}`); out.FunctionError != nil || !strings.Contains(string(out.Payload), `"text":"hi"`) {
			t.Fatalf("invoke %s: %s", name, out.Payload)
		}
	}
	if want.withPython {
		if out := e.invoke(t, "pylayer", `{}`); out.FunctionError != nil || string(out.Payload) != `"v2"` {
			t.Fatalf("invoke pylayer: %s", out.Payload)
		}
	}

	u, err := e.client.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String("boot")})
	if err != nil || *u.FunctionUrl != *want.url.FunctionUrl || *u.CreationTime != *want.url.CreationTime || *u.LastModifiedTime != *want.url.LastModifiedTime ||
		u.AuthType != types.FunctionUrlAuthTypeNone || u.InvokeMode != types.InvokeModeBuffered || *u.FunctionArn != *want.url.FunctionArn ||
		u.Cors == nil || u.Cors.AllowOrigins[0] != "https://app.example" || *u.Cors.MaxAge != 60 {
		t.Fatalf("GetFunctionUrlConfig %+v %v, want %+v", u, err, want.url)
	}
	list, err := e.client.ListFunctionUrlConfigs(ctx, &awslambda.ListFunctionUrlConfigsInput{FunctionName: aws.String("boot")})
	if err != nil || len(list.FunctionUrlConfigs) != 2 || *list.FunctionUrlConfigs[1].FunctionUrl != want.aliasURL {
		t.Fatalf("ListFunctionUrlConfigs: %+v %v", list, err)
	}
	c := urlClient(t, e)
	for _, u := range []string{*want.url.FunctionUrl, want.aliasURL} {
		req := newURLRequest(t, "GET", u, nil)
		req.Header.Set("Origin", "https://app.example")
		resp, body := call(t, c, req)
		if resp.StatusCode != 200 || body != `{"action":"","ms":0,"size":0,"text":""}` {
			t.Fatalf("%s: %d %s", u, resp.StatusCode, body)
		}
		if u == *want.url.FunctionUrl && resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
			t.Fatalf("CORS after restore: %v", resp.Header)
		}
	}

	if next {
		// Version numbers are never reused, across restarts too.
		if v := e.publish(t, "shared", makeZip(t, file{name: "three.txt", body: []byte("3")})); v.Version != 3 {
			t.Fatalf("next shared version %d, want 3", v.Version)
		}
		if v := e.publish(t, "goboot", makeZip(t, file{name: "two.txt", body: []byte("2")})); v.Version != 2 {
			t.Fatalf("next goboot version %d, want 2", v.Version)
		}
	}
}

// blobNames lists the files of the Lambda blob store under a data
// directory.
func blobNames(t *testing.T, dataDir string) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(dataDir, "lambda", "blobs"), func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			names[d.Name()] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestPersistLayersAndURLs restarts a server on the same data directory:
// layer versions (numbers, policies, archives), the archives of deleted
// layer versions that functions still use, and function URLs come back.
func TestPersistLayersAndURLs(t *testing.T) {
	dir := t.TempDir()
	e := start(t, server.Options{DataDir: dir}, Options{})
	seed := e.seedLayers(t)
	e.srv.Close()

	e = start(t, server.Options{DataDir: dir}, Options{})
	e.checkLayers(t, seed, true)
	ctx := context.Background()
	// Deleting an alias deletes its URL; updates and deletes are kept.
	if _, err := e.client.DeleteAlias(ctx, &awslambda.DeleteAliasInput{FunctionName: aws.String("boot"), Name: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UpdateFunctionUrlConfig(ctx, &awslambda.UpdateFunctionUrlConfigInput{FunctionName: aws.String("boot"), AuthType: types.FunctionUrlAuthTypeAwsIam}); err != nil {
		t.Fatal(err)
	}
	e.create(t, "gone", "provided.al2023", "x", goZip(t))
	if _, err := e.client.CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("gone"), AuthType: types.FunctionUrlAuthTypeNone}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteFunction(ctx, &awslambda.DeleteFunctionInput{FunctionName: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	e.srv.Close()

	e = start(t, server.Options{DataDir: dir}, Options{})
	if _, err := e.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String("boot"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String("boot:live")})
	wantMessage(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	resp, _ := call(t, urlClient(t, e), newURLRequest(t, "GET", seed.aliasURL, nil))
	if resp.StatusCode != 403 {
		t.Fatalf("the deleted alias URL answers %d", resp.StatusCode)
	}
	if u, err := e.client.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String("boot")}); err != nil || u.AuthType != types.FunctionUrlAuthTypeAwsIam {
		t.Fatalf("updated URL after restart: %+v %v", u, err)
	}
	e.create(t, "gone", "provided.al2023", "x", goZip(t))
	_, err = e.client.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String("gone")})
	wantMessage(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	for _, sha := range seed.archives {
		if !blobNames(t, dir)[blobID(sha)] {
			t.Fatalf("the archive %s is not in the blob store", sha)
		}
	}

	// Reset forgets layers, their numbering and their archives, on disk
	// too.
	resetAll(t, e)
	names := blobNames(t, dir)
	for _, sha := range seed.archives {
		if names[blobID(sha)] {
			t.Errorf("the archive %s survived a reset", sha)
		}
	}
	e.srv.Close()
	e = start(t, server.Options{DataDir: dir}, Options{})
	if layers, err := e.client.ListLayers(ctx, &awslambda.ListLayersInput{}); err != nil || len(layers.Layers) != 0 {
		t.Fatalf("layers after reset and restart: %+v %v", layers, err)
	}
	if v := e.publish(t, "shared", makeZip(t, file{name: "a.txt", body: []byte("a")})); v.Version != 1 {
		t.Fatalf("first version after reset: %d", v.Version)
	}
}

// TestPersistAnyRegion restarts after a client that signs for a region
// name AWS does not have ("local", as some tools do) created a function, a
// layer and a URL there: they come back, and the service starts.
func TestPersistAnyRegion(t *testing.T) {
	dir := t.TempDir()
	e := start(t, server.Options{DataDir: dir}, Options{})
	local := awslambda.NewFromConfig(servertest.Config(t, e.srv, "", "local"), func(o *awslambda.Options) { o.RetryMaxAttempts = 1 })
	ctx := context.Background()
	if _, err := local.CreateFunction(ctx, &awslambda.CreateFunctionInput{FunctionName: aws.String("f"), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("x"), Role: aws.String(testRole), Code: &types.FunctionCode{ZipFile: tinyZip(t)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := local.PublishLayerVersion(ctx, &awslambda.PublishLayerVersionInput{LayerName: aws.String("l"),
		Content: &types.LayerVersionContentInput{ZipFile: tinyZip(t)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := local.CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("f"), AuthType: types.FunctionUrlAuthTypeNone}); err != nil {
		t.Fatal(err)
	}
	e.srv.Close()
	e = start(t, server.Options{DataDir: dir}, Options{})
	local = awslambda.NewFromConfig(servertest.Config(t, e.srv, "", "local"), func(o *awslambda.Options) { o.RetryMaxAttempts = 1 })
	if _, err := local.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String("f")}); err != nil {
		t.Fatal(err)
	}
	if out, err := local.ListLayerVersions(ctx, &awslambda.ListLayerVersionsInput{LayerName: aws.String("l")}); err != nil || len(out.LayerVersions) != 1 {
		t.Fatalf("layer versions %+v %v", out, err)
	}
}
