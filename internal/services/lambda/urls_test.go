package lambda

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/virga-aws/virga/internal/clock"
	"github.com/virga-aws/virga/internal/server"
)

var functionURLPattern = regexp.MustCompile(`^http://([a-z0-9]{32})\.lambda-url\.us-east-1\.localhost:\d+/$`)

var urlTimePattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)

func TestFunctionURLConfigs(t *testing.T) {
	clk := clock.New()
	clk.Freeze()
	e := start(t, server.Options{Clock: clk}, Options{})
	ctx := context.Background()
	e.create(t, "urlfn", "provided.al2023", "x", goZip(t))
	cors := &types.Cors{AllowOrigins: []string{"https://example.com"}, AllowMethods: []string{"GET"}, MaxAge: aws.Int32(60)}
	created, err := e.client.CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{
		FunctionName: aws.String("urlfn"), AuthType: types.FunctionUrlAuthTypeNone, Cors: cors})
	if err != nil {
		t.Fatal(err)
	}
	if !functionURLPattern.MatchString(*created.FunctionUrl) || *created.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:urlfn" ||
		created.AuthType != types.FunctionUrlAuthTypeNone || created.InvokeMode != types.InvokeModeBuffered ||
		!urlTimePattern.MatchString(*created.CreationTime) || created.Cors.AllowOrigins[0] != "https://example.com" {
		t.Fatalf("CreateFunctionUrlConfig: %+v", created)
	}
	_, err = e.client.CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("urlfn"), AuthType: types.FunctionUrlAuthTypeNone})
	wantMessage(t, err, "ResourceConflictException",
		"Failed to create function url config for [functionArn = arn:aws:lambda:us-east-1:000000000000:function:urlfn]. Error message:  FunctionUrlConfig exists for this Lambda function")

	got, err := e.client.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String("urlfn")})
	if err != nil || *got.FunctionUrl != *created.FunctionUrl || *got.CreationTime != *created.CreationTime || *got.LastModifiedTime != *created.CreationTime {
		t.Fatalf("GetFunctionUrlConfig: %+v %v", got, err)
	}
	clk.Advance(time.Second)
	up, err := e.client.UpdateFunctionUrlConfig(ctx, &awslambda.UpdateFunctionUrlConfigInput{FunctionName: aws.String("urlfn"), AuthType: types.FunctionUrlAuthTypeAwsIam})
	if err != nil || up.AuthType != types.FunctionUrlAuthTypeAwsIam || *up.FunctionUrl != *created.FunctionUrl || up.Cors == nil || *up.LastModifiedTime == *up.CreationTime {
		t.Fatalf("UpdateFunctionUrlConfig: %+v %v", up, err)
	}

	// Aliases have URLs of their own; versions and $LATEST cannot.
	if _, err := e.client.PublishVersion(ctx, &awslambda.PublishVersionInput{FunctionName: aws.String("urlfn")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String("urlfn"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	aliased, err := e.client.CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("urlfn:live"), AuthType: types.FunctionUrlAuthTypeNone})
	if err != nil || *aliased.FunctionArn != "arn:aws:lambda:us-east-1:000000000000:function:urlfn:live" || *aliased.FunctionUrl == *created.FunctionUrl {
		t.Fatalf("alias URL: %+v %v", aliased, err)
	}
	list, err := e.client.ListFunctionUrlConfigs(ctx, &awslambda.ListFunctionUrlConfigsInput{FunctionName: aws.String("urlfn")})
	if err != nil || len(list.FunctionUrlConfigs) != 2 || *list.FunctionUrlConfigs[1].FunctionArn != *aliased.FunctionArn {
		t.Fatalf("ListFunctionUrlConfigs: %+v %v", list, err)
	}
	page, err := e.client.ListFunctionUrlConfigs(ctx, &awslambda.ListFunctionUrlConfigsInput{FunctionName: aws.String("urlfn"), MaxItems: aws.Int32(1)})
	if err != nil || len(page.FunctionUrlConfigs) != 1 || page.NextMarker == nil {
		t.Fatalf("ListFunctionUrlConfigs page: %+v %v", page, err)
	}
	for _, q := range []string{"1", "$LATEST"} {
		_, err = e.client.CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("urlfn"), Qualifier: aws.String(q), AuthType: types.FunctionUrlAuthTypeNone})
		wantMessage(t, err, "ValidationException", "1 validation error detected: Value '"+q+"' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)")
	}
	_, err = e.client.CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("urlfn"), Qualifier: aws.String("nosuchalias"), AuthType: types.FunctionUrlAuthTypeNone})
	wantMessage(t, err, "ResourceNotFoundException", "Function does not exist")
	_, err = e.client.CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("nofn"), AuthType: types.FunctionUrlAuthTypeNone})
	wantMessage(t, err, "ResourceNotFoundException", "Function does not exist")
	_, err = e.client.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String("nofn")})
	wantMessage(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	_, err = e.client.ListFunctionUrlConfigs(ctx, &awslambda.ListFunctionUrlConfigsInput{FunctionName: aws.String("nofn")})
	wantMessage(t, err, "ResourceNotFoundException", "Function does not exist")
	_, err = e.client.UpdateFunctionUrlConfig(ctx, &awslambda.UpdateFunctionUrlConfigInput{FunctionName: aws.String("nofn")})
	wantMessage(t, err, "ResourceNotFoundException", "Function does not exist")
	_, err = e.client.CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("urlfn"), AuthType: "BASIC"})
	apiError(t, err, "ValidationException")

	// Deleting the alias drops its URL; deleting the configuration too.
	if _, err := e.client.DeleteAlias(ctx, &awslambda.DeleteAliasInput{FunctionName: aws.String("urlfn"), Name: aws.String("live")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String("urlfn"), Qualifier: aws.String("live")})
	wantMessage(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	// The URL went with the alias: an alias of the same name has none.
	if _, err := e.client.CreateAlias(ctx, &awslambda.CreateAliasInput{FunctionName: aws.String("urlfn"), Name: aws.String("live"), FunctionVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String("urlfn"), Qualifier: aws.String("live")})
	wantMessage(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	if list, err := e.client.ListFunctionUrlConfigs(ctx, &awslambda.ListFunctionUrlConfigsInput{FunctionName: aws.String("urlfn")}); err != nil || len(list.FunctionUrlConfigs) != 1 {
		t.Fatalf("ListFunctionUrlConfigs after deleting the alias: %+v %v", list, err)
	}
	if _, err := e.client.DeleteFunctionUrlConfig(ctx, &awslambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String("urlfn")}); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.GetFunctionUrlConfig(ctx, &awslambda.GetFunctionUrlConfigInput{FunctionName: aws.String("urlfn")})
	wantMessage(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
	_, err = e.client.DeleteFunctionUrlConfig(ctx, &awslambda.DeleteFunctionUrlConfigInput{FunctionName: aws.String("urlfn")})
	wantMessage(t, err, "ResourceNotFoundException", "The resource you requested does not exist.")
}

// urlClient is an HTTP client that reaches the server whatever the host
// name (the *.localhost names need no resolver).
func urlClient(t *testing.T, e *env) *http.Client {
	tr := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, e.srv.Addr())
	}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// call sends a request and returns the response with its body.
func call(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func newURLRequest(t *testing.T, method, u string, body []byte) *http.Request {
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestFunctionURLInvokeGo calls a Go function's URL with plain net/http:
// a result that is not a response object becomes a 200 JSON body.
func TestFunctionURLInvokeGo(t *testing.T) {
	e := start(t, server.Options{}, Options{})
	e.create(t, "gourl", "provided.al2023", "x", goZip(t))
	created, err := e.client.CreateFunctionUrlConfig(context.Background(), &awslambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("gourl"), AuthType: types.FunctionUrlAuthTypeNone})
	if err != nil {
		t.Fatal(err)
	}
	c := urlClient(t, e)
	resp, body := call(t, c, newURLRequest(t, "POST", *created.FunctionUrl+"any/path?x=1", []byte(`{"text":"hi"}`)))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || body != `{"action":"","ms":0,"size":0,"text":""}` ||
		resp.Header.Get("X-Amzn-Requestid") == "" {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, body)
	}
	// The LocalStack-style host reaches the same URL.
	id := functionURLPattern.FindStringSubmatch(*created.FunctionUrl)[1]
	resp, _ = call(t, c, newURLRequest(t, "GET", "http://"+id+".lambda-url.us-east-1.localhost.localstack.cloud:4566/", nil))
	if resp.StatusCode != 200 {
		t.Fatalf("localstack host: %d", resp.StatusCode)
	}
	// Unknown ids, wrong regions and deleted functions answer 403.
	for _, u := range []string{
		"http://abcdefghijklmnopqrstuvwxyz234567.lambda-url.us-east-1.localhost/",
		"http://" + id + ".lambda-url.eu-west-1.localhost/",
	} {
		resp, body = call(t, c, newURLRequest(t, "GET", u, nil))
		if resp.StatusCode != 403 || body != `{"Message":null}` || resp.Header.Get("X-Amzn-Errortype") != "AccessDeniedException" {
			t.Fatalf("%s: %d %s", u, resp.StatusCode, body)
		}
	}
	if _, err := e.client.DeleteFunction(context.Background(), &awslambda.DeleteFunctionInput{FunctionName: aws.String("gourl")}); err != nil {
		t.Fatal(err)
	}
	resp, _ = call(t, c, newURLRequest(t, "GET", *created.FunctionUrl, nil))
	if resp.StatusCode != 403 {
		t.Fatalf("deleted function's URL: %d", resp.StatusCode)
	}
}

const echoHandler = `import base64, json
def handler(event, context):
    path = event["rawPath"]
    if path == "/raw":
        return {"plain": True, "n": 1}
    if path == "/string":
        return "just text"
    if path == "/fail":
        raise RuntimeError("boom")
    if path == "/binary":
        return {"statusCode": 200, "headers": {"content-type": "application/octet-stream"},
                "body": base64.b64encode(b"\x00\x01\x02").decode(), "isBase64Encoded": True}
    return {"statusCode": 201, "cookies": ["a=1; Path=/", "b=2"], "body": json.dumps(event),
            "headers": {"x-custom": "yes", "access-control-allow-origin": "http://function.example"}}
`

// TestFunctionURLInvoke checks the payload format 2.0 event a function
// receives, how its results become HTTP responses, CORS, and AWS_IAM
// authentication, through plain net/http.
func TestFunctionURLInvoke(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not installed")
	}
	clk := clock.New()
	clk.Freeze()
	e := start(t, server.Options{Clock: clk}, Options{})
	ctx := context.Background()
	e.create(t, "echo", "python3.12", "app.handler", makeZip(t, file{name: "app.py", body: []byte(echoHandler)}))
	created, err := e.client.CreateFunctionUrlConfig(ctx, &awslambda.CreateFunctionUrlConfigInput{FunctionName: aws.String("echo"), AuthType: types.FunctionUrlAuthTypeNone,
		Cors: &types.Cors{AllowOrigins: []string{"https://app.example"}, AllowMethods: []string{"GET", "POST"}, AllowHeaders: []string{"x-token"},
			ExposeHeaders: []string{"x-custom"}, MaxAge: aws.Int32(300), AllowCredentials: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	base := *created.FunctionUrl
	id := functionURLPattern.FindStringSubmatch(base)[1]
	host := strings.TrimSuffix(strings.TrimPrefix(base, "http://"), "/")
	c := urlClient(t, e)

	req := newURLRequest(t, "POST", base+"my/path?b=2&a=1&a=x%20y", []byte(`{"hello":"world"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Cookie", "c1=v1; c2=v2")
	req.Header.Add("X-Multi", "one")
	req.Header.Add("X-Multi", "two")
	req.Header.Set("User-Agent", "virga-test")
	req.Header.Set("Origin", "https://app.example")
	resp, body := call(t, c, req)
	if resp.StatusCode != 201 || resp.Header.Get("X-Custom") != "yes" || strings.Join(resp.Header.Values("Set-Cookie"), "|") != "a=1; Path=/|b=2" {
		t.Fatalf("response %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" ||
		resp.Header.Get("Access-Control-Expose-Headers") != "x-custom" {
		t.Fatalf("CORS headers %v", resp.Header)
	}
	var ev struct {
		Version               string            `json:"version"`
		RouteKey              string            `json:"routeKey"`
		RawPath               string            `json:"rawPath"`
		RawQueryString        string            `json:"rawQueryString"`
		Cookies               []string          `json:"cookies"`
		Headers               map[string]string `json:"headers"`
		QueryStringParameters map[string]string `json:"queryStringParameters"`
		RequestContext        struct {
			AccountID    string `json:"accountId"`
			APIID        string `json:"apiId"`
			DomainName   string `json:"domainName"`
			DomainPrefix string `json:"domainPrefix"`
			HTTP         struct {
				Method, Path, Protocol, SourceIP, UserAgent string
			} `json:"http"`
			RequestID string `json:"requestId"`
			RouteKey  string `json:"routeKey"`
			Stage     string `json:"stage"`
			Time      string `json:"time"`
			TimeEpoch int64  `json:"timeEpoch"`
		} `json:"requestContext"`
		Body            string `json:"body"`
		IsBase64Encoded bool   `json:"isBase64Encoded"`
	}
	if err := json.Unmarshal([]byte(body), &ev); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	rc := ev.RequestContext
	if ev.Version != "2.0" || ev.RouteKey != "$default" || ev.RawPath != "/my/path" || ev.RawQueryString != "b=2&a=1&a=x%20y" ||
		strings.Join(ev.Cookies, "|") != "c1=v1|c2=v2" || ev.Headers["x-multi"] != "one,two" || ev.Headers["content-type"] != "application/json" ||
		ev.Headers["cookie"] != "" || ev.Headers["host"] != host ||
		ev.QueryStringParameters["a"] != "1,x y" || ev.QueryStringParameters["b"] != "2" ||
		ev.Body != `{"hello":"world"}` || ev.IsBase64Encoded {
		t.Fatalf("event %+v", ev)
	}
	if rc.AccountID != "anonymous" || rc.APIID != id || rc.DomainPrefix != id || rc.DomainName != strings.Split(host, ":")[0] ||
		rc.HTTP.Method != "POST" || rc.HTTP.Path != "/my/path" || rc.HTTP.Protocol != "HTTP/1.1" || rc.HTTP.SourceIP != "127.0.0.1" ||
		rc.HTTP.UserAgent != "virga-test" || rc.RequestID != resp.Header.Get("X-Amzn-Requestid") || rc.RouteKey != "$default" || rc.Stage != "$default" ||
		rc.TimeEpoch != clk.Now().UnixMilli() || rc.Time != clk.Now().UTC().Format("02/Jan/2006:15:04:05 -0700") {
		t.Fatalf("requestContext %+v", rc)
	}

	// A binary body arrives base64-encoded.
	req = newURLRequest(t, "PUT", base, []byte{0xff, 0x00, 0x10})
	req.Header.Set("Content-Type", "application/octet-stream")
	_, body = call(t, c, req)
	if err := json.Unmarshal([]byte(body), &ev); err != nil || !ev.IsBase64Encoded || ev.Body != "/wAQ" {
		t.Fatalf("binary event %s", body)
	}

	for _, tc := range []struct {
		path, status, contentType, body string
	}{
		{"raw", "200", "application/json", `{"plain": true, "n": 1}`},
		{"string", "200", "application/json", "just text"},
		{"binary", "200", "application/octet-stream", "\x00\x01\x02"},
		{"fail", "502", "application/json", "Internal Server Error"},
	} {
		resp, body := call(t, c, newURLRequest(t, "GET", base+tc.path, nil))
		if got := resp.Status[:3]; got != tc.status || resp.Header.Get("Content-Type") != tc.contentType || body != tc.body {
			t.Errorf("/%s: %s %q %q", tc.path, resp.Status, resp.Header.Get("Content-Type"), body)
		}
	}

	// Preflight: answered from the configuration, without invoking.
	pre := newURLRequest(t, "OPTIONS", base+"x", nil)
	pre.Header.Set("Origin", "https://app.example")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "X-Token")
	resp, _ = call(t, c, pre)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" ||
		resp.Header.Get("Access-Control-Allow-Methods") != "GET,POST" || resp.Header.Get("Access-Control-Allow-Headers") != "x-token" ||
		resp.Header.Get("Access-Control-Max-Age") != "300" || resp.Header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Fatalf("preflight %d %v", resp.StatusCode, resp.Header)
	}
	pre.Header.Set("Origin", "https://evil.example")
	resp, _ = call(t, c, pre)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight from another origin %d %v", resp.StatusCode, resp.Header)
	}
	// The function's own CORS headers give way to the configuration's.
	req = newURLRequest(t, "GET", base, nil)
	req.Header.Set("Origin", "https://evil.example")
	resp, _ = call(t, c, req)
	if resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("disallowed origin got %v", resp.Header)
	}

	// AWS_IAM: unsigned requests are refused; signed ones carry the
	// caller.
	if _, err := e.client.UpdateFunctionUrlConfig(ctx, &awslambda.UpdateFunctionUrlConfigInput{FunctionName: aws.String("echo"), AuthType: types.FunctionUrlAuthTypeAwsIam}); err != nil {
		t.Fatal(err)
	}
	resp, body = call(t, c, newURLRequest(t, "GET", base, nil))
	if resp.StatusCode != 403 || body != `{"Message":"Forbidden"}` {
		t.Fatalf("unsigned: %d %s", resp.StatusCode, body)
	}
	req = newURLRequest(t, "GET", base+"signed", nil)
	sum := sha256.Sum256(nil)
	creds := aws.Credentials{AccessKeyID: "123456789012", SecretAccessKey: "secret"}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "lambda", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, body = call(t, c, req)
	var signed map[string]any
	json.Unmarshal([]byte(body), &signed)
	rctx, _ := signed["requestContext"].(map[string]any)
	iam, _ := rctx["authorizer"].(map[string]any)["iam"].(map[string]any)
	if resp.StatusCode != 201 || rctx["accountId"] != "123456789012" || iam["accessKey"] != "123456789012" || iam["accountId"] != "123456789012" ||
		iam["userArn"] != "arn:aws:iam::123456789012:root" {
		t.Fatalf("signed: %d %s", resp.StatusCode, body)
	}
}

// FuzzURLResult checks that any function result becomes an HTTP response
// without a panic, with a valid status.
func FuzzURLResult(f *testing.F) {
	for _, s := range []string{`{"statusCode":201,"body":"x","headers":{"a":"b"},"cookies":["c=1"]}`, `"text"`, `{"a":1}`, `[1,2]`, `null`, `12`,
		`{"statusCode":"204"}`, `{"statusCode":99}`, `{"statusCode":200,"body":"AAEC","isBase64Encoded":true}`, `{"statusCode":200,"body":{"nested":true}}`,
		`{"statusCode":200,"headers":{"n":1,"b":true}}`, `not json`, ``} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		rec := httptest.NewRecorder()
		writeURLResult(rec, payload, func(http.Header) {})
		if rec.Code < 100 || rec.Code > 599 {
			t.Fatalf("status %d for %q", rec.Code, payload)
		}
	})
}

// FuzzURLHost checks the function URL host parser: it claims exactly the
// hosts of the function URL forms and never panics.
func FuzzURLHost(f *testing.F) {
	for _, s := range []string{"abc.lambda-url.us-east-1.localhost:4566", "ABC.lambda-url.us-east-1.localhost.localstack.cloud", "bucket.localhost",
		"x.lambda-url..localhost", ".lambda-url.", "a.lambda-url.us-east-1.on.aws", "a.lambda-url.us-east-1.localhost:"} {
		f.Add(s)
	}
	s := &Service{}
	f.Fuzz(func(t *testing.T, host string) {
		h := s.urlHost(host)
		name := strings.ToLower(host)
		if n, _, err := net.SplitHostPort(name); err == nil {
			name = n
		}
		if (h != nil) != urlHostPattern().MatchString(name) {
			t.Fatalf("%q: handler %v", host, h != nil)
		}
	})
}

// FuzzURLEvent checks that any request to a function URL becomes a valid
// event: JSON with the raw query string and a body that decodes back to
// the request's bytes.
func FuzzURLEvent(f *testing.F) {
	f.Add("a=1&a=2&b", "c1=v1; c2=v2", "application/json", []byte(`{"x":1}`))
	f.Add("%zz&=&&", ";;=;", "text/plain", []byte{0xff, 0xfe})
	f.Add("", "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, rawQuery, cookie, contentType string, body []byte) {
		req := httptest.NewRequest("POST", "http://abc.lambda-url.us-east-1.localhost:4566/p", bytes.NewReader(body))
		req.URL.RawQuery = rawQuery
		req.Header.Set("Cookie", cookie)
		req.Header.Set("Content-Type", contentType)
		var ev struct {
			RawQueryString  string  `json:"rawQueryString"`
			Body            *string `json:"body"`
			IsBase64Encoded bool    `json:"isBase64Encoded"`
		}
		b := urlEvent(req, body, "abc", time.Unix(0, 0), "rid", nil)
		if err := json.Unmarshal(b, &ev); err != nil {
			t.Fatalf("invalid event %q: %v", b, err)
		}
		if ev.RawQueryString != rawQuery && utf8.ValidString(rawQuery) {
			t.Fatalf("rawQueryString %q, want %q", ev.RawQueryString, rawQuery)
		}
		var got []byte
		if ev.Body != nil {
			got = []byte(*ev.Body)
			if ev.IsBase64Encoded {
				got, _ = base64.StdEncoding.DecodeString(*ev.Body)
			}
		}
		if !bytes.Equal(got, body) {
			t.Fatalf("body %q, want %q", got, body)
		}
	})
}
