package lambda

import (
	"context"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/request"
	"github.com/virga-aws/virga/internal/services/lambda/api"
	"github.com/virga-aws/virga/internal/sigv4"
)

// urlConfig is a function URL: the function (unqualified, meaning
// $LATEST, or an alias) that requests to its host invoke.
type urlConfig struct {
	id         string // the url-id, the host's first label
	url        string
	fn         *function
	qualifier  string // "" or an alias name
	authType   string
	cors       *api.Cors
	invokeMode string
	created    time.Time
	modified   time.Time
}

// functionARN is the ARN the configuration reports.
func (u *urlConfig) functionARN() string {
	if u.qualifier == "" {
		return u.fn.arn()
	}
	return u.fn.arn() + ":" + u.qualifier
}

// urlStore holds the function URLs by url-id. mu guards the map and the
// configurations' mutable fields.
type urlStore struct {
	mu   sync.Mutex
	byID map[string]*urlConfig
}

// reset deletes every function URL.
func (st *urlStore) reset() {
	st.mu.Lock()
	st.byID = nil
	st.mu.Unlock()
}

// urlTime formats a function URL's CreationTime and LastModifiedTime.
func urlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// errURLNotFound is the not-found error of Get/Update/DeleteFunctionUrlConfig.
func errURLNotFound() *awserr.Error {
	return api.ErrResourceNotFoundException("The resource you requested does not exist.").With("Type", "User")
}

// errURLFunctionMissing is Create/Update/ListFunctionUrlConfigs' error for
// a function or alias that does not exist.
func errURLFunctionMissing() *awserr.Error {
	return api.ErrResourceNotFoundException("Function does not exist").With("Type", "User")
}

// live reports whether the URL's function (and alias) still exist. It takes
// s.mu and f.mu; st.mu must not be held.
func (s *Service) urlLive(u *urlConfig) bool {
	s.mu.Lock()
	current := s.functions[u.fn.key]
	s.mu.Unlock()
	if current != u.fn {
		return false
	}
	u.fn.mu.Lock()
	defer u.fn.mu.Unlock()
	return !u.fn.deleted && (u.qualifier == "" || u.fn.aliases[u.qualifier] != nil)
}

// urlsOf returns the live function URLs of f (all qualifiers), dropping
// those whose function or alias is gone.
func (s *Service) urlsOf(f *function) []*urlConfig {
	s.urls.mu.Lock()
	var cands []*urlConfig
	for _, u := range s.urls.byID {
		if u.fn.key == f.key {
			cands = append(cands, u)
		}
	}
	s.urls.mu.Unlock()
	var out []*urlConfig
	for _, u := range cands {
		if s.urlLive(u) {
			out = append(out, u)
		} else {
			s.urls.mu.Lock()
			delete(s.urls.byID, u.id)
			s.urls.mu.Unlock()
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].created.Equal(out[j].created) {
			return out[i].created.Before(out[j].created)
		}
		return out[i].qualifier < out[j].qualifier
	})
	return out
}

// urlTarget resolves the FunctionName and Qualifier of a function URL
// operation: the function, and "" or the alias. Function URLs exist for
// the unqualified function and for aliases only; missing reports the
// error for a function or alias that does not exist.
func (s *Service) urlTarget(ctx context.Context, name, param *string, missing func() *awserr.Error) (*function, string, *awserr.Error) {
	k, q, aerr := parseName(ctx, deref(name))
	if aerr != nil {
		return nil, "", aerr
	}
	if q, aerr = qualifier(q, param); aerr != nil {
		return nil, "", aerr
	}
	if q != "" {
		if _, err := strconv.Atoi(q); err == nil || q == latest {
			return nil, "", validationError("qualifier", q, `Member must satisfy regular expression pattern: ((?!^\d+$)^[0-9a-zA-Z-_]+$)`)
		}
	}
	s.mu.Lock()
	f := s.functions[k]
	s.mu.Unlock()
	if f == nil {
		return nil, "", missing()
	}
	if q != "" {
		f.mu.Lock()
		a := f.aliases[q]
		f.mu.Unlock()
		if a == nil {
			return nil, "", missing()
		}
	}
	return f, q, nil
}

// urlFor returns the live URL configuration of f and q, or nil.
func (s *Service) urlFor(f *function, q string) *urlConfig {
	for _, u := range s.urlsOf(f) {
		if u.qualifier == q {
			return u
		}
	}
	return nil
}

// newURLID returns a url-id: 32 lower-case letters and digits.
func (s *Service) newURLID() string {
	raw, _ := hex.DecodeString(s.ids.Hex(20))
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
}

// functionURL is the URL of url-id: AWS's is
// https://<url-id>.lambda-url.<region>.on.aws/; Virga's is the same under
// <region>.localhost on the port the request came to.
func functionURL(ctx context.Context, id, region string) string {
	info := request.From(ctx)
	scheme := info.Scheme
	if scheme == "" {
		scheme = "http"
	}
	host := id + ".lambda-url." + region + ".localhost"
	if _, port, err := net.SplitHostPort(info.Host); err == nil && port != "" {
		host += ":" + port
	}
	return scheme + "://" + host + "/"
}

// CreateFunctionUrlConfig gives a function (or an alias) a URL.
func (s *Service) CreateFunctionUrlConfig(ctx context.Context, in *api.CreateFunctionUrlConfigRequest) (*api.CreateFunctionUrlConfigResponse, error) {
	s.noteEndpoint(ctx)
	f, q, aerr := s.urlTarget(ctx, in.FunctionName, in.Qualifier, errURLFunctionMissing)
	if aerr != nil {
		return nil, aerr
	}
	if u := s.urlFor(f, q); u != nil {
		return nil, api.ErrResourceConflictException(fmt.Sprintf("Failed to create function url config for [functionArn = %s]. Error message:  FunctionUrlConfig exists for this Lambda function", u.functionARN())).With("Type", "User")
	}
	now := s.clock.Now()
	u := &urlConfig{
		id: s.newURLID(), fn: f, qualifier: q, authType: deref(in.AuthType), cors: in.Cors,
		invokeMode: api.InvokeModeBUFFERED, created: now, modified: now,
	}
	if in.InvokeMode != nil && *in.InvokeMode != "" {
		u.invokeMode = *in.InvokeMode
	}
	u.url = functionURL(ctx, u.id, f.key.region)
	s.urls.mu.Lock()
	if s.urls.byID == nil {
		s.urls.byID = map[string]*urlConfig{}
	}
	for _, other := range s.urls.byID {
		if other.fn == f && other.qualifier == q {
			// A concurrent create won.
			s.urls.mu.Unlock()
			return nil, api.ErrResourceConflictException(fmt.Sprintf("Failed to create function url config for [functionArn = %s]. Error message:  FunctionUrlConfig exists for this Lambda function", other.functionARN())).With("Type", "User")
		}
	}
	s.urls.byID[u.id] = u
	if aerr := s.journalURL(u); aerr != nil {
		delete(s.urls.byID, u.id)
		s.urls.mu.Unlock()
		return nil, aerr
	}
	s.urls.mu.Unlock()
	return &api.CreateFunctionUrlConfigResponse{
		FunctionUrl: str(u.url), FunctionArn: str(u.functionARN()), AuthType: str(u.authType), Cors: u.cors,
		CreationTime: str(urlTime(u.created)), InvokeMode: str(u.invokeMode),
	}, nil
}

// toAPI renders the configuration as the list operation does. st.mu must
// be held.
func (u *urlConfig) toAPI() api.FunctionUrlConfig {
	return api.FunctionUrlConfig{
		FunctionUrl: str(u.url), FunctionArn: str(u.functionARN()), AuthType: str(u.authType), Cors: u.cors,
		CreationTime: str(urlTime(u.created)), LastModifiedTime: str(urlTime(u.modified)), InvokeMode: str(u.invokeMode),
	}
}

// existingURL finds the function URL config a request names, with the
// function and qualifier, or the error AWS gives when the function
// (missing) or the config does not exist.
func (s *Service) existingURL(ctx context.Context, name, qualifier *string, missing func() *awserr.Error) (*function, string, *urlConfig, *awserr.Error) {
	f, q, aerr := s.urlTarget(ctx, name, qualifier, missing)
	if aerr != nil {
		return nil, "", nil, aerr
	}
	u := s.urlFor(f, q)
	if u == nil {
		return nil, "", nil, errURLNotFound()
	}
	return f, q, u, nil
}

// GetFunctionUrlConfig returns a function URL's configuration.
func (s *Service) GetFunctionUrlConfig(ctx context.Context, in *api.GetFunctionUrlConfigRequest) (*api.GetFunctionUrlConfigResponse, error) {
	_, _, u, aerr := s.existingURL(ctx, in.FunctionName, in.Qualifier, errURLNotFound)
	if aerr != nil {
		return nil, aerr
	}
	s.urls.mu.Lock()
	c := u.toGetResponse()
	s.urls.mu.Unlock()
	return &c, nil
}

// toGetResponse is GetFunctionUrlConfig's answer for u; UpdateFunctionUrlConfig's
// has the same members in the same order, so it is a conversion of it.
func (u *urlConfig) toGetResponse() api.GetFunctionUrlConfigResponse {
	c := u.toAPI()
	return api.GetFunctionUrlConfigResponse{
		FunctionUrl: c.FunctionUrl, FunctionArn: c.FunctionArn, AuthType: c.AuthType, Cors: c.Cors,
		CreationTime: c.CreationTime, LastModifiedTime: c.LastModifiedTime, InvokeMode: c.InvokeMode,
	}
}

// UpdateFunctionUrlConfig changes the given settings of a function URL.
func (s *Service) UpdateFunctionUrlConfig(ctx context.Context, in *api.UpdateFunctionUrlConfigRequest) (*api.UpdateFunctionUrlConfigResponse, error) {
	_, _, u, aerr := s.existingURL(ctx, in.FunctionName, in.Qualifier, errURLFunctionMissing)
	if aerr != nil {
		return nil, aerr
	}
	s.urls.mu.Lock()
	if in.AuthType != nil {
		u.authType = *in.AuthType
	}
	if in.Cors != nil {
		u.cors = in.Cors
	}
	if in.InvokeMode != nil && *in.InvokeMode != "" {
		u.invokeMode = *in.InvokeMode
	}
	u.modified = s.clock.Now()
	c := api.UpdateFunctionUrlConfigResponse(u.toGetResponse())
	aerr = s.journalURL(u)
	s.urls.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	return &c, nil
}

// DeleteFunctionUrlConfig deletes a function URL; its host stops
// answering at once.
func (s *Service) DeleteFunctionUrlConfig(ctx context.Context, in *api.DeleteFunctionUrlConfigRequest) (*api.Empty, error) {
	f, q, u, aerr := s.existingURL(ctx, in.FunctionName, in.Qualifier, errURLNotFound)
	if aerr != nil {
		return nil, aerr
	}
	s.urls.mu.Lock()
	delete(s.urls.byID, u.id)
	aerr = s.unjournalURL(f.key, q)
	s.urls.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	return &api.Empty{}, nil
}

// dropURLs deletes the function URLs of f whose qualifier matches (in
// memory; the caller journals the deletion), as deleting a function or an
// alias does on AWS. It takes s.urls.mu, so f.mu may be held.
func (s *Service) dropURLs(f *function, match func(qualifier string) bool) {
	s.urls.mu.Lock()
	defer s.urls.mu.Unlock()
	for id, u := range s.urls.byID {
		if u.fn == f && match(u.qualifier) {
			delete(s.urls.byID, id)
		}
	}
}

// ListFunctionUrlConfigs lists a function's URLs (unqualified and
// aliases), oldest first.
func (s *Service) ListFunctionUrlConfigs(ctx context.Context, in *api.ListFunctionUrlConfigsRequest) (*api.ListFunctionUrlConfigsResponse, error) {
	k, _, aerr := parseName(ctx, deref(in.FunctionName))
	if aerr != nil {
		return nil, aerr
	}
	s.mu.Lock()
	f := s.functions[k]
	s.mu.Unlock()
	if f == nil {
		return nil, errURLFunctionMissing()
	}
	var items []api.FunctionUrlConfig
	for _, u := range s.urlsOf(f) {
		s.urls.mu.Lock()
		items = append(items, u.toAPI())
		s.urls.mu.Unlock()
	}
	return paginate(items, in.Marker, in.MaxItems, func(p []api.FunctionUrlConfig, next *string) *api.ListFunctionUrlConfigsResponse {
		return &api.ListFunctionUrlConfigsResponse{FunctionUrlConfigs: p, NextMarker: next}
	})
}

// urlHostPattern matches the host of a function URL: <url-id>.lambda-url.
// <region>.localhost, or the same under .localhost.localstack.cloud, which
// tools made for LocalStack use. It is compiled on first use, not at
// start-up.
var urlHostPattern = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([a-z0-9]+)\.lambda-url\.([a-z0-9-]+)\.localhost(?:\.localstack\.cloud)?$`)
})

// urlHost is the gateway's host hook: requests to a function URL's host go
// to serveURL; every other host is not Lambda's.
func (s *Service) urlHost(host string) http.Handler {
	h := strings.ToLower(host) // no copy for the usual lower-case host
	if !strings.Contains(h, ".lambda-url.") {
		return nil
	}
	if name, _, err := net.SplitHostPort(h); err == nil {
		h = name
	}
	m := urlHostPattern().FindStringSubmatch(h)
	if m == nil {
		return nil
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.serveURL(w, r, m[1], m[2]) })
}

// urlError writes the JSON error documents function URLs answer with.
func urlError(w http.ResponseWriter, status int, errorType, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", errorType)
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// serveURL invokes the function behind a function URL with the HTTP
// request as a payload format 2.0 event and turns its result into the
// HTTP response, as Lambda's URL front end does.
func (s *Service) serveURL(w http.ResponseWriter, r *http.Request, id, region string) {
	rid := s.ids.UUID()
	w.Header().Set("X-Amzn-Requestid", rid)
	s.urls.mu.Lock()
	u := s.urls.byID[id]
	var cfg urlConfig
	if u != nil {
		cfg = *u
	}
	s.urls.mu.Unlock()
	if u == nil || cfg.fn.key.region != region || !s.urlLive(u) {
		urlError(w, http.StatusForbidden, "AccessDeniedException", `{"Message":null}`)
		return
	}
	var iam *urlCaller
	if cfg.authType == api.FunctionUrlAuthTypeAWSIAM {
		if iam = s.urlSigner(r); iam == nil {
			urlError(w, http.StatusForbidden, "AccessDeniedException", `{"Message":"Forbidden"}`)
			return
		}
	}
	origin := r.Header.Get("Origin")
	if cfg.cors != nil && r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != "" {
		preflight(w, r, cfg.cors)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSyncPayload+1))
	if err != nil {
		urlError(w, http.StatusBadRequest, "InvalidRequestContentException", `{"Message":"Could not read the request body"}`)
		return
	}
	event := urlEvent(r, body, id, s.clock.Now(), rid, iam)
	if len(event) > maxSyncPayload {
		urlError(w, http.StatusRequestEntityTooLarge, "RequestTooLargeException",
			fmt.Sprintf(`{"Message":"Request must be smaller than %d bytes for the InvokeFunction operation"}`, maxSyncPayload))
		return
	}
	f := cfg.fn
	f.mu.Lock()
	v, aerr := f.resolve(cfg.qualifier, s.random)
	f.mu.Unlock()
	if aerr != nil {
		urlError(w, http.StatusForbidden, "AccessDeniedException", `{"Message":null}`)
		return
	}
	release, aerr := s.admit(f, v)
	if aerr != nil {
		urlError(w, http.StatusTooManyRequests, "TooManyRequestsException", `{"Message":"Rate Exceeded."}`)
		return
	}
	o := s.run(r.Context(), v, invocation{requestID: rid, payload: event, endpoint: s.noteEndpoint(r.Context())}, cfg.functionARN())
	release()
	if o.functionError != "" {
		corsHeaders(w.Header(), cfg.cors, origin)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "Internal Server Error")
		return
	}
	writeURLResult(w, o.payload, func(h http.Header) { corsHeaders(h, cfg.cors, origin) })
}

// urlCaller is the SigV4 signer of a request to an AWS_IAM function URL.
type urlCaller struct {
	accessKey, account, arn, userID string
}

// urlSigner returns the signer of a request carrying a SigV4 signature
// (Authorization header or presigned query), or nil. The signature itself
// is not verified and no policy is evaluated (IAM is not enforced).
func (s *Service) urlSigner(r *http.Request) *urlCaller {
	signed := strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") ||
		r.URL.Query().Get("X-Amz-Algorithm") == "AWS4-HMAC-SHA256"
	if !signed {
		return nil
	}
	cred, ok := sigv4.ParseCredential(r)
	if !ok || cred.AccessKeyID == "" {
		return nil
	}
	c := s.identity.Caller(cred.AccessKeyID)
	return &urlCaller{accessKey: cred.AccessKeyID, account: c.Account, arn: c.ARN, userID: c.UserID}
}

// urlEvent builds the payload format 2.0 event of a function URL request.
func urlEvent(r *http.Request, body []byte, id string, now time.Time, rid string, iam *urlCaller) []byte {
	headers := map[string]string{}
	var cookies []string
	for name, vals := range r.Header {
		lower := strings.ToLower(name)
		if lower == "cookie" {
			for _, v := range vals {
				for _, c := range strings.Split(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[lower] = strings.Join(vals, ",")
	}
	headers["host"] = r.Host
	if _, ok := headers["x-forwarded-proto"]; !ok {
		headers["x-forwarded-proto"] = "http"
		if r.TLS != nil {
			headers["x-forwarded-proto"] = "https"
		}
	}
	sourceIP, port, _ := net.SplitHostPort(r.RemoteAddr)
	if _, ok := headers["x-forwarded-for"]; !ok && sourceIP != "" {
		headers["x-forwarded-for"] = sourceIP
	}
	if _, hostPort, err := net.SplitHostPort(r.Host); err == nil {
		port = hostPort
	} else {
		port = "80"
	}
	if _, ok := headers["x-forwarded-port"]; !ok {
		headers["x-forwarded-port"] = port
	}
	query := map[string]string{}
	rawQuery := r.URL.RawQuery
	if values, err := url.ParseQuery(rawQuery); err == nil {
		for k, vs := range values {
			query[k] = strings.Join(vs, ",")
		}
	}
	domain, _, err := net.SplitHostPort(r.Host)
	if err != nil {
		domain = r.Host
	}
	accountID := "anonymous"
	var authorizer any
	if iam != nil {
		accountID = iam.account
		authorizer = map[string]any{"iam": map[string]any{
			"accessKey": iam.accessKey, "accountId": iam.account, "callerId": iam.userID,
			"cognitoIdentity": nil, "principalOrgId": nil, "userArn": iam.arn, "userId": iam.userID,
		}}
	}
	httpContext := map[string]any{
		"method": r.Method, "path": r.URL.EscapedPath(), "protocol": r.Proto,
		"sourceIp": sourceIP, "userAgent": r.Header.Get("User-Agent"),
	}
	requestContext := map[string]any{
		"accountId": accountID, "apiId": id, "domainName": domain, "domainPrefix": id,
		"http": httpContext, "requestId": rid, "routeKey": "$default", "stage": "$default",
		"time": now.UTC().Format("02/Jan/2006:15:04:05 -0700"), "timeEpoch": now.UnixMilli(),
	}
	if authorizer != nil {
		requestContext["authorizer"] = authorizer
	}
	event := map[string]any{
		"version": "2.0", "routeKey": "$default", "rawPath": r.URL.EscapedPath(), "rawQueryString": rawQuery,
		"headers": headers, "requestContext": requestContext, "isBase64Encoded": false,
	}
	if len(cookies) > 0 {
		event["cookies"] = cookies
	}
	if len(query) > 0 {
		event["queryStringParameters"] = query
	}
	if len(body) > 0 {
		if textual(r.Header.Get("Content-Type"), body) {
			event["body"] = string(body)
		} else {
			event["body"] = base64.StdEncoding.EncodeToString(body)
			event["isBase64Encoded"] = true
		}
	}
	b, _ := json.Marshal(event)
	return b
}

// textual reports whether a request body is passed as text: a text, JSON,
// XML, JavaScript or form content type with valid UTF-8; anything else is
// base64-encoded, as Lambda does for binary bodies.
func textual(contentType string, body []byte) bool {
	ct := strings.ToLower(contentType)
	for _, t := range []string{"text/", "json", "xml", "javascript", "x-www-form-urlencoded"} {
		if strings.Contains(ct, t) {
			return utf8.Valid(body)
		}
	}
	return false
}

// writeURLResult turns a function's result into the HTTP response: a JSON
// object with statusCode is a response (statusCode, headers, cookies as
// Set-Cookie, body, base64-decoded when isBase64Encoded); any other valid
// JSON is the body of a 200 application/json response (a JSON string
// without its quotes). cors adds the CORS headers last.
func writeURLResult(w http.ResponseWriter, payload []byte, cors func(http.Header)) {
	var resp struct {
		StatusCode      *json.RawMessage           `json:"statusCode"`
		Headers         map[string]json.RawMessage `json:"headers"`
		Cookies         []string                   `json:"cookies"`
		Body            *json.RawMessage           `json:"body"`
		IsBase64Encoded bool                       `json:"isBase64Encoded"`
	}
	h := w.Header()
	if json.Unmarshal(payload, &resp) != nil || resp.StatusCode == nil {
		body := payload
		var s string
		if json.Unmarshal(payload, &s) == nil {
			body = []byte(s)
		}
		h.Set("Content-Type", "application/json")
		cors(h)
		w.WriteHeader(http.StatusOK)
		w.Write(body)
		return
	}
	status, err := strconv.Atoi(strings.Trim(string(*resp.StatusCode), `"`))
	if err != nil || status < 100 || status > 599 {
		h.Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, "Internal Server Error")
		return
	}
	h.Set("Content-Type", "application/json")
	for name, raw := range resp.Headers {
		var v string
		if json.Unmarshal(raw, &v) != nil {
			v = string(raw)
		}
		h.Set(name, v)
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	var body []byte
	if resp.Body != nil {
		var s string
		if json.Unmarshal(*resp.Body, &s) == nil {
			body = []byte(s)
			if resp.IsBase64Encoded {
				if dec, err := base64.StdEncoding.DecodeString(s); err == nil {
					body = dec
				}
			}
		} else if string(*resp.Body) != "null" {
			body = *resp.Body
		}
	}
	cors(h)
	w.WriteHeader(status)
	w.Write(body)
}

// originAllowed reports whether a CORS configuration allows origin.
func originAllowed(c *api.Cors, origin string) bool {
	for _, o := range c.AllowOrigins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// allowOrigin is the Access-Control-Allow-Origin value for origin.
func allowOrigin(c *api.Cors, origin string) string {
	if contains(c.AllowOrigins, "*") && (c.AllowCredentials == nil || !*c.AllowCredentials) {
		return "*"
	}
	return origin
}

// corsHeaders sets the CORS headers of an actual (non-preflight) response
// from the URL's configuration, replacing any the function set.
func corsHeaders(h http.Header, c *api.Cors, origin string) {
	if c == nil || origin == "" {
		return
	}
	for _, name := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Expose-Headers"} {
		h.Del(name)
	}
	if !originAllowed(c, origin) {
		return
	}
	h.Set("Access-Control-Allow-Origin", allowOrigin(c, origin))
	if allowOrigin(c, origin) != "*" {
		h.Add("Vary", "Origin")
	}
	if c.AllowCredentials != nil && *c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(c.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
	}
}

// preflight answers a CORS preflight request from the URL's configuration
// without invoking the function: 200 with the Access-Control-Allow-*
// headers when the origin, method and headers are allowed, 200 without
// them otherwise.
func preflight(w http.ResponseWriter, r *http.Request, c *api.Cors) {
	origin := r.Header.Get("Origin")
	method := r.Header.Get("Access-Control-Request-Method")
	var requested []string
	for _, h := range strings.Split(r.Header.Get("Access-Control-Request-Headers"), ",") {
		if h = strings.TrimSpace(h); h != "" {
			requested = append(requested, strings.ToLower(h))
		}
	}
	allowed := originAllowed(c, origin) && methodAllowed(c.AllowMethods, method)
	for _, h := range requested {
		if !headerAllowed(c.AllowHeaders, h) {
			allowed = false
		}
	}
	hd := w.Header()
	if allowed {
		hd.Set("Access-Control-Allow-Origin", allowOrigin(c, origin))
		if allowOrigin(c, origin) != "*" {
			hd.Add("Vary", "Origin")
		}
		hd.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
		if len(c.AllowHeaders) > 0 {
			hd.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
		}
		if c.MaxAge != nil {
			hd.Set("Access-Control-Max-Age", strconv.Itoa(int(*c.MaxAge)))
		}
		if c.AllowCredentials != nil && *c.AllowCredentials {
			hd.Set("Access-Control-Allow-Credentials", "true")
		}
		if len(c.ExposeHeaders) > 0 {
			hd.Set("Access-Control-Expose-Headers", strings.Join(c.ExposeHeaders, ","))
		}
	}
	hd.Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

func methodAllowed(allowed []string, method string) bool {
	for _, m := range allowed {
		if m == "*" || strings.EqualFold(m, method) {
			return true
		}
	}
	return false
}

func headerAllowed(allowed []string, header string) bool {
	for _, h := range allowed {
		if h == "*" || strings.EqualFold(h, header) {
			return true
		}
	}
	return false
}
