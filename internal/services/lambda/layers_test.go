package lambda

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/virga-aws/virga/internal/server"
)

// publish publishes a layer version from a zip.
func (e *env) publish(t *testing.T, name string, zipBytes []byte, mod ...func(*awslambda.PublishLayerVersionInput)) *awslambda.PublishLayerVersionOutput {
	t.Helper()
	in := &awslambda.PublishLayerVersionInput{LayerName: aws.String(name), Content: &types.LayerVersionContentInput{ZipFile: zipBytes}}
	for _, m := range mod {
		m(in)
	}
	out, err := e.client.PublishLayerVersion(context.Background(), in)
	if err != nil {
		t.Fatalf("PublishLayerVersion %s: %v", name, err)
	}
	return out
}

// wantMessage asserts err is the API error code with exactly message.
func wantMessage(t *testing.T, err error, code, message string) {
	t.Helper()
	if ae := apiError(t, err, code); ae.ErrorMessage() != message {
		t.Fatalf("%s message\n got %q\nwant %q", code, ae.ErrorMessage(), message)
	}
}

func sha256b64(b []byte) string {
	sum := sha256.Sum256(b)
	return base64.StdEncoding.EncodeToString(sum[:])
}

var lambdaDate = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$`)

func TestLayerVersions(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	ctx := context.Background()
	zip1 := makeZip(t, file{name: "python/one.py", body: []byte("X = 1\n")})
	v1 := e.publish(t, "shared", zip1, func(in *awslambda.PublishLayerVersionInput) {
		in.Description = aws.String("first")
		in.CompatibleRuntimes = []types.Runtime{types.RuntimePython312}
		in.CompatibleArchitectures = []types.Architecture{types.ArchitectureX8664}
		in.LicenseInfo = aws.String("MIT")
	})
	if *v1.LayerArn != "arn:aws:lambda:us-east-1:000000000000:layer:shared" || *v1.LayerVersionArn != *v1.LayerArn+":1" ||
		v1.Version != 1 || *v1.Description != "first" || *v1.LicenseInfo != "MIT" || !lambdaDate.MatchString(*v1.CreatedDate) ||
		*v1.Content.CodeSha256 != sha256b64(zip1) || v1.Content.CodeSize != int64(len(zip1)) ||
		!strings.HasPrefix(*v1.Content.Location, e.srv.URL()+"/_virga/lambda/code/") ||
		v1.CompatibleRuntimes[0] != types.RuntimePython312 || v1.CompatibleArchitectures[0] != types.ArchitectureX8664 {
		t.Fatalf("publish v1: %+v %+v", v1, v1.Content)
	}
	v2 := e.publish(t, "shared", makeZip(t, file{name: "nodejs/node_modules/two/index.js", body: []byte("module.exports = 2;")}), func(in *awslambda.PublishLayerVersionInput) {
		in.CompatibleRuntimes = []types.Runtime{types.RuntimeNodejs20x}
	})
	if v2.Version != 2 || *v2.Description != "" || v2.LicenseInfo != nil {
		t.Fatalf("publish v2: %+v", v2)
	}
	e.publish(t, "other", zip1)

	got, err := e.client.GetLayerVersion(ctx, &awslambda.GetLayerVersionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1)})
	if err != nil || *got.LayerVersionArn != *v1.LayerVersionArn || *got.Content.CodeSha256 != *v1.Content.CodeSha256 || *got.CreatedDate != *v1.CreatedDate {
		t.Fatalf("GetLayerVersion: %+v %v", got, err)
	}
	byARN, err := e.client.GetLayerVersionByArn(ctx, &awslambda.GetLayerVersionByArnInput{Arn: v2.LayerVersionArn})
	if err != nil || byARN.Version != 2 {
		t.Fatalf("GetLayerVersionByArn: %+v %v", byARN, err)
	}
	// The LayerName may be the layer's ARN.
	if _, err := e.client.GetLayerVersion(ctx, &awslambda.GetLayerVersionInput{LayerName: v1.LayerArn, VersionNumber: aws.Int64(2)}); err != nil {
		t.Fatalf("GetLayerVersion by layer ARN: %v", err)
	}

	layers, err := e.client.ListLayers(ctx, &awslambda.ListLayersInput{})
	if err != nil || len(layers.Layers) != 2 || *layers.Layers[0].LayerName != "other" || *layers.Layers[1].LayerName != "shared" ||
		layers.Layers[1].LatestMatchingVersion.Version != 2 {
		t.Fatalf("ListLayers: %+v %v", layers, err)
	}
	layers, err = e.client.ListLayers(ctx, &awslambda.ListLayersInput{CompatibleRuntime: types.RuntimePython312})
	if err != nil || len(layers.Layers) != 1 || layers.Layers[0].LatestMatchingVersion.Version != 1 {
		t.Fatalf("ListLayers python3.12: %+v %v", layers, err)
	}
	layers, err = e.client.ListLayers(ctx, &awslambda.ListLayersInput{CompatibleArchitecture: types.ArchitectureArm64})
	if err != nil || len(layers.Layers) != 0 {
		t.Fatalf("ListLayers arm64: %+v %v", layers, err)
	}
	page, err := e.client.ListLayers(ctx, &awslambda.ListLayersInput{MaxItems: aws.Int32(1)})
	if err != nil || len(page.Layers) != 1 || page.NextMarker == nil {
		t.Fatalf("ListLayers page: %+v %v", page, err)
	}
	page, err = e.client.ListLayers(ctx, &awslambda.ListLayersInput{MaxItems: aws.Int32(1), Marker: page.NextMarker})
	if err != nil || len(page.Layers) != 1 || *page.Layers[0].LayerName != "shared" || page.NextMarker != nil {
		t.Fatalf("ListLayers page 2: %+v %v", page, err)
	}

	versions, err := e.client.ListLayerVersions(ctx, &awslambda.ListLayerVersionsInput{LayerName: aws.String("shared")})
	if err != nil || len(versions.LayerVersions) != 2 || versions.LayerVersions[0].Version != 2 || versions.LayerVersions[1].Version != 1 {
		t.Fatalf("ListLayerVersions: %+v %v", versions, err)
	}
	versions, err = e.client.ListLayerVersions(ctx, &awslambda.ListLayerVersionsInput{LayerName: aws.String("shared"), CompatibleRuntime: types.RuntimeNodejs20x})
	if err != nil || len(versions.LayerVersions) != 1 || versions.LayerVersions[0].Version != 2 {
		t.Fatalf("ListLayerVersions nodejs20.x: %+v %v", versions, err)
	}
	var seen []int64
	p := awslambda.NewListLayerVersionsPaginator(e.client, &awslambda.ListLayerVersionsInput{LayerName: aws.String("shared"), MaxItems: aws.Int32(1)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range out.LayerVersions {
			seen = append(seen, v.Version)
		}
	}
	if fmt.Sprint(seen) != "[2 1]" {
		t.Fatalf("paginated versions %v", seen)
	}
	versions, err = e.client.ListLayerVersions(ctx, &awslambda.ListLayerVersionsInput{LayerName: aws.String("nosuchlayer")})
	if err != nil || len(versions.LayerVersions) != 0 {
		t.Fatalf("ListLayerVersions of a missing layer: %+v %v", versions, err)
	}

	// Errors.
	_, err = e.client.GetLayerVersion(ctx, &awslambda.GetLayerVersionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(9)})
	wantMessage(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	_, err = e.client.GetLayerVersion(ctx, &awslambda.GetLayerVersionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(0)})
	wantMessage(t, err, "InvalidParameterValueException", "Layer Version Cannot be less than 1")
	_, err = e.client.GetLayerVersionByArn(ctx, &awslambda.GetLayerVersionByArnInput{Arn: aws.String("arn:aws:lambda:us-east-1:000000000000:layer:nope:1")})
	wantMessage(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	_, err = e.client.PublishLayerVersion(ctx, &awslambda.PublishLayerVersionInput{LayerName: aws.String("bad"), Content: &types.LayerVersionContentInput{ZipFile: []byte("not a zip")}})
	wantMessage(t, err, "InvalidParameterValueException", "Could not unzip uploaded file. Please check your file, then try to upload again.")
	_, err = e.client.PublishLayerVersion(ctx, &awslambda.PublishLayerVersionInput{LayerName: aws.String("bad"), Content: &types.LayerVersionContentInput{}})
	wantMessage(t, err, "InvalidParameterValueException", "Please provide a source for function code.")

	// Deleting: idempotent; numbers are never reused.
	for i := 0; i < 2; i++ {
		if _, err := e.client.DeleteLayerVersion(ctx, &awslambda.DeleteLayerVersionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(2)}); err != nil {
			t.Fatalf("DeleteLayerVersion #%d: %v", i, err)
		}
	}
	_, err = e.client.GetLayerVersion(ctx, &awslambda.GetLayerVersionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(2)})
	wantMessage(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	layers, _ = e.client.ListLayers(ctx, &awslambda.ListLayersInput{})
	if len(layers.Layers) != 2 || layers.Layers[1].LatestMatchingVersion.Version != 1 {
		t.Fatalf("ListLayers after delete: %+v", layers.Layers)
	}
	e.client.DeleteLayerVersion(ctx, &awslambda.DeleteLayerVersionInput{LayerName: aws.String("shared"), VersionNumber: aws.Int64(1)})
	layers, _ = e.client.ListLayers(ctx, &awslambda.ListLayersInput{})
	if len(layers.Layers) != 1 {
		t.Fatalf("a layer without versions is listed: %+v", layers.Layers)
	}
	if v3 := e.publish(t, "shared", zip1); v3.Version != 3 {
		t.Fatalf("version after deleting all: %d", v3.Version)
	}
}

func TestLayerVersionPolicy(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	ctx := context.Background()
	v := e.publish(t, "pol", makeZip(t, file{name: "a.txt", body: []byte("a")}))
	arn := *v.LayerVersionArn
	add := func(sid, principal, org, revision string) (*awslambda.AddLayerVersionPermissionOutput, error) {
		in := &awslambda.AddLayerVersionPermissionInput{LayerName: aws.String("pol"), VersionNumber: aws.Int64(1),
			StatementId: aws.String(sid), Action: aws.String("lambda:GetLayerVersion"), Principal: aws.String(principal)}
		if org != "" {
			in.OrganizationId = aws.String(org)
		}
		if revision != "" {
			in.RevisionId = aws.String(revision)
		}
		return e.client.AddLayerVersionPermission(ctx, in)
	}
	_, err := e.client.GetLayerVersionPolicy(ctx, &awslambda.GetLayerVersionPolicyInput{LayerName: aws.String("pol"), VersionNumber: aws.Int64(1)})
	wantMessage(t, err, "ResourceNotFoundException", "No policy is associated with the given resource.")

	out, err := add("xaccount", "111122223333", "", "")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Sid":"xaccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"lambda:GetLayerVersion","Resource":"` + arn + `"}`
	if *out.Statement != want || out.RevisionId == nil {
		t.Fatalf("statement\n got %s\nwant %s", *out.Statement, want)
	}
	_, err = add("org", "*", "o-abcdefghij", "stale-revision")
	wantMessage(t, err, "PreconditionFailedException", "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id")
	out2, err := add("org", "*", "o-abcdefghij", *out.RevisionId)
	if err != nil {
		t.Fatal(err)
	}
	if *out2.Statement != `{"Sid":"org","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion","Resource":"`+arn+`","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abcdefghij"}}}` {
		t.Fatalf("org statement %s", *out2.Statement)
	}
	_, err = add("org", "*", "", "")
	wantMessage(t, err, "ResourceConflictException", "The statement id (org) provided already exists. Please provide a new statement id, or remove the existing statement.")

	pol, err := e.client.GetLayerVersionPolicy(ctx, &awslambda.GetLayerVersionPolicyInput{LayerName: aws.String("pol"), VersionNumber: aws.Int64(1)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Version":"2012-10-17","Id":"default","Statement":[` + want + `,` + *out2.Statement + `]}`; *pol.Policy != want || *pol.RevisionId != *out2.RevisionId {
		t.Fatalf("policy\n got %s\nwant %s", *pol.Policy, want)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(*pol.Policy), &doc); err != nil {
		t.Fatal(err)
	}

	_, err = e.client.RemoveLayerVersionPermission(ctx, &awslambda.RemoveLayerVersionPermissionInput{LayerName: aws.String("pol"), VersionNumber: aws.Int64(1), StatementId: aws.String("nope")})
	wantMessage(t, err, "ResourceNotFoundException", "Statement nope is not found in resource policy.")
	_, err = e.client.RemoveLayerVersionPermission(ctx, &awslambda.RemoveLayerVersionPermissionInput{LayerName: aws.String("pol"), VersionNumber: aws.Int64(1), StatementId: aws.String("org"), RevisionId: aws.String("stale")})
	apiError(t, err, "PreconditionFailedException")
	for _, sid := range []string{"org", "xaccount"} {
		if _, err := e.client.RemoveLayerVersionPermission(ctx, &awslambda.RemoveLayerVersionPermissionInput{LayerName: aws.String("pol"), VersionNumber: aws.Int64(1), StatementId: aws.String(sid)}); err != nil {
			t.Fatalf("remove %s: %v", sid, err)
		}
	}
	_, err = e.client.GetLayerVersionPolicy(ctx, &awslambda.GetLayerVersionPolicyInput{LayerName: aws.String("pol"), VersionNumber: aws.Int64(1)})
	wantMessage(t, err, "ResourceNotFoundException", "No policy is associated with the given resource.")

	_, err = e.client.AddLayerVersionPermission(ctx, &awslambda.AddLayerVersionPermissionInput{LayerName: aws.String("pol"), VersionNumber: aws.Int64(7),
		StatementId: aws.String("s"), Action: aws.String("lambda:GetLayerVersion"), Principal: aws.String("*")})
	wantMessage(t, err, "ResourceNotFoundException", "Layer version arn:aws:lambda:us-east-1:000000000000:layer:pol:7 does not exist.")
	_, err = e.client.AddLayerVersionPermission(ctx, &awslambda.AddLayerVersionPermissionInput{LayerName: aws.String("pol"), VersionNumber: aws.Int64(1),
		StatementId: aws.String("s"), Action: aws.String("lambda:InvokeFunction"), Principal: aws.String("*")})
	apiError(t, err, "ValidationException")

	// A policy over 20 KB is refused.
	var lastErr error
	for i := 0; i < 200 && lastErr == nil; i++ {
		_, lastErr = add(fmt.Sprintf("statement-with-a-long-identifier-to-fill-the-policy-%03d", i), "111122223333", "", "")
	}
	ae := apiError(t, lastErr, "PolicyLengthExceededException")
	if !regexp.MustCompile(`^The final policy size \(\d+\) is bigger than the limit \(20480\)\.$`).MatchString(ae.ErrorMessage()) {
		t.Fatalf("message %q", ae.ErrorMessage())
	}
}

func TestFunctionLayersConfiguration(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	ctx := context.Background()
	var arns []string
	for i := 0; i < 6; i++ {
		v := e.publish(t, fmt.Sprintf("l%d", i), makeZip(t, file{name: fmt.Sprintf("f%d.txt", i), body: []byte("x")}))
		arns = append(arns, *v.LayerVersionArn)
	}
	l0v2 := e.publish(t, "l0", makeZip(t, file{name: "g.txt", body: []byte("yy")}))
	pkg := goZip(t)
	create := func(layers ...string) error {
		_, err := e.client.CreateFunction(ctx, &awslambda.CreateFunctionInput{FunctionName: aws.String("withlayers"), Runtime: types.RuntimeProvidedal2023,
			Handler: aws.String("x"), Role: aws.String(testRole), Code: &types.FunctionCode{ZipFile: pkg}, Layers: layers})
		return err
	}
	wantMessage(t, create(arns...), "InvalidParameterValueException", "Cannot reference more than 5 layers.")
	missing := "arn:aws:lambda:us-east-1:000000000000:layer:l0:9"
	wantMessage(t, create(missing), "InvalidParameterValueException", "Layer version "+missing+" does not exist.")
	wantMessage(t, create("arn:aws:lambda:eu-west-1:000000000000:layer:l0:1"), "InvalidParameterValueException",
		"Layers are not in the same region as the function. Layers are expected to be in region us-east-1.")
	wantMessage(t, create(arns[0], arns[1], *l0v2.LayerVersionArn), "InvalidParameterValueException",
		"Two different versions of the same layer are not allowed to be referenced in the same function. "+arns[0]+" and "+*l0v2.LayerVersionArn+" are versions of the same layer.")
	apiError(t, create("arn:aws:lambda:us-east-1:000000000000:function:notalayer"), "ValidationException")

	if err := create(arns[1], arns[0]); err != nil {
		t.Fatal(err)
	}
	cfg, err := e.client.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String("withlayers")})
	if err != nil || len(cfg.Layers) != 2 || *cfg.Layers[0].Arn != arns[1] || *cfg.Layers[1].Arn != arns[0] || cfg.Layers[0].CodeSize <= 0 {
		t.Fatalf("Layers: %+v %v", cfg.Layers, err)
	}
	up, err := e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("withlayers"), Layers: []string{*l0v2.LayerVersionArn}})
	if err != nil || len(up.Layers) != 1 || *up.Layers[0].Arn != *l0v2.LayerVersionArn || up.Layers[0].CodeSize != l0v2.Content.CodeSize {
		t.Fatalf("update Layers: %+v %v", up.Layers, err)
	}
	_, err = e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("withlayers"), Layers: []string{missing}})
	wantMessage(t, err, "InvalidParameterValueException", "Layer version "+missing+" does not exist.")
	up, err = e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("withlayers"), Layers: []string{}})
	if err != nil || len(up.Layers) != 0 {
		t.Fatalf("removing layers: %+v %v", up.Layers, err)
	}
}

// zeros is a file of n zero bytes (compresses to almost nothing).
func zeros(name string, n int) file { return file{name: name, body: make([]byte, n)} }

func TestFunctionLayersSizeLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 260 MB of layer files")
	}
	e := start(t, server.Options{}, Options{})
	ctx := context.Background()
	const mb = 1 << 20
	big := e.publish(t, "big", makeZip(t, zeros("a.bin", 200*mb)))
	small := e.publish(t, "small", makeZip(t, zeros("b.bin", 60*mb)))
	goSize := int64(len(goBootstrap))
	pkg := goZip(t)
	_, err := e.client.CreateFunction(ctx, &awslambda.CreateFunctionInput{FunctionName: aws.String("toobig"), Runtime: types.RuntimeProvidedal2023,
		Handler: aws.String("x"), Role: aws.String(testRole), Code: &types.FunctionCode{ZipFile: pkg},
		Layers: []string{*big.LayerVersionArn, *small.LayerVersionArn}})
	wantMessage(t, err, "InvalidParameterValueException", fmt.Sprintf(
		"Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is %d bytes.", 260*mb+goSize))
	e.create(t, "fits", "provided.al2023", "x", pkg, func(in *awslambda.CreateFunctionInput) { in.Layers = []string{*big.LayerVersionArn} })
	_, err = e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("fits"),
		Layers: []string{*big.LayerVersionArn, *small.LayerVersionArn}})
	apiError(t, err, "InvalidParameterValueException")
	_, err = e.client.UpdateFunctionCode(ctx, &awslambda.UpdateFunctionCodeInput{FunctionName: aws.String("fits"),
		ZipFile: makeZip(t, file{name: "bootstrap", body: goBootstrap, exec: true}, zeros("pad.bin", 60*mb))})
	wantMessage(t, err, "InvalidParameterValueException", fmt.Sprintf(
		"Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. The actual size is %d bytes.", 260*mb+goSize))
}

// TestLayersReachRuntimes checks that layer contents are where each
// runtime looks for /opt: python imports from python/ and site-packages,
// node requires from nodejs/node_modules and nodejs/node20/node_modules,
// a provided bootstrap runs a program from bin/, and later layers
// overwrite earlier ones.
func TestLayersReachRuntimes(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	base := e.publish(t, "base", makeZip(t,
		file{name: "python/layermod.py", body: []byte("WHO = 'base'\n")},
		file{name: "python/lib/python3.12/site-packages/sitemod.py", body: []byte("def greet():\n    return 'site-packages'\n")},
		file{name: "nodejs/node_modules/layerpkg/index.js", body: []byte("module.exports = { who: 'base' };")},
		file{name: "nodejs/node20/node_modules/verpkg/index.js", body: []byte("module.exports = 'node20';")},
		file{name: "bin/layertool", body: []byte("#!/bin/sh\necho \"tool says $1\"\n"), exec: true},
		file{name: "lib/liblayer.txt", body: []byte("lib")},
	))
	over := e.publish(t, "over", makeZip(t,
		file{name: "python/layermod.py", body: []byte("WHO = 'over'\n")},
		file{name: "nodejs/node_modules/layerpkg/index.js", body: []byte("module.exports = { who: 'over' };")},
	))
	layers := func(in *awslambda.CreateFunctionInput) {
		in.Layers = []string{*base.LayerVersionArn, *over.LayerVersionArn}
	}

	t.Run("environment", func(t *testing.T) {
		e.create(t, "goenv", "provided.al2023", "x", goZip(t), layers)
		var env map[string]string
		if err := json.Unmarshal(e.invoke(t, "goenv", `{"action":"env"}`).Payload, &env); err != nil {
			t.Fatal(err)
		}
		opt := ""
		for _, p := range strings.Split(env["PATH"], ":") {
			if strings.HasSuffix(p, "/bin") && strings.Contains(p, "/opt/") {
				opt = strings.TrimSuffix(p, "/bin")
			}
		}
		if opt == "" || !strings.Contains(env["LD_LIBRARY_PATH"], opt+"/lib") {
			t.Fatalf("PATH %q LD_LIBRARY_PATH %q", env["PATH"], env["LD_LIBRARY_PATH"])
		}
	})
	t.Run("python", func(t *testing.T) {
		if _, err := exec.LookPath("python3"); err != nil {
			t.Skip("python3 not installed")
		}
		src := "import layermod, sitemod\ndef handler(event, context):\n    return [layermod.WHO, sitemod.greet()]\n"
		e.create(t, "pylayers", "python3.12", "app.handler", makeZip(t, file{name: "app.py", body: []byte(src)}), layers)
		if out := e.invoke(t, "pylayers", `{}`); string(out.Payload) != `["over", "site-packages"]` {
			t.Fatalf("payload %s %v", out.Payload, out.FunctionError)
		}
	})
	t.Run("node", func(t *testing.T) {
		if _, err := exec.LookPath("node"); err != nil {
			t.Skip("node not installed")
		}
		src := "const l = require('layerpkg'); const v = require('verpkg');\nexports.handler = async () => [l.who, v];"
		e.create(t, "nodelayers", "nodejs20.x", "index.handler", makeZip(t, file{name: "index.js", body: []byte(src)}), layers)
		if out := e.invoke(t, "nodelayers", `{}`); string(out.Payload) != `["over","node20"]` {
			t.Fatalf("payload %s %v", out.Payload, out.FunctionError)
		}
	})
	t.Run("provided", func(t *testing.T) {
		if _, err := exec.LookPath("curl"); err != nil {
			t.Skip("curl not installed")
		}
		script := `#!/bin/bash
set -euo pipefail
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  curl -sS -LD "$HEADERS" "$API/invocation/next" >/dev/null
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  OUT=$(layertool hello)
  curl -sS -X POST "$API/invocation/$REQUEST_ID/response" -d "\"$OUT\"" >/dev/null
done
`
		e.create(t, "bashlayers", "provided.al2", "x", makeZip(t, file{name: "bootstrap", body: []byte(script), exec: true}), layers)
		if out := e.invoke(t, "bashlayers", `{}`); string(out.Payload) != `"tool says hello"` {
			t.Fatalf("payload %s %v", out.Payload, out.FunctionError)
		}
		// A bootstrap in a layer (/opt/bootstrap on AWS) runs when the
		// package has none.
		boot := e.publish(t, "runtime", makeZip(t, file{name: "bootstrap", body: []byte(script), exec: true}))
		e.create(t, "optboot", "provided.al2023", "x", makeZip(t, file{name: "readme.txt", body: []byte("x")}), func(in *awslambda.CreateFunctionInput) {
			in.Layers = []string{*base.LayerVersionArn, *boot.LayerVersionArn}
		})
		if out := e.invoke(t, "optboot", `{}`); string(out.Payload) != `"tool says hello"` {
			t.Fatalf("payload %s %v", out.Payload, out.FunctionError)
		}
	})
	// Deleting a layer version leaves functions using it working, new
	// instances included.
	ctx := context.Background()
	if _, err := e.client.DeleteLayerVersion(ctx, &awslambda.DeleteLayerVersionInput{LayerName: aws.String("base"), VersionNumber: aws.Int64(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{FunctionName: aws.String("goenv"), Timeout: aws.Int32(5)}); err != nil {
		t.Fatal(err)
	}
	if out := e.invoke(t, "goenv", `{"text":"still"}`); out.FunctionError != nil || !strings.Contains(string(out.Payload), "still") {
		t.Fatalf("function with a deleted layer version: %s", out.Payload)
	}
}
