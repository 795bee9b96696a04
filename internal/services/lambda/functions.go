package lambda

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/lambda/api"
)

// Limits of deployment packages and configuration (docs/limits.md).
const (
	maxZipUpload       = 50 * 1024 * 1024 // direct upload, zipped
	maxZipRequestBytes = 69905067         // the base64 of 50 MB, as AWS reports it
	maxUnzipped        = 262144000        // 250 MB, code and layers unzipped
	maxTimeout         = 900              // seconds
	maxMemory          = 10240            // MB
	maxEnvironmentSize = 4 * 1024         // bytes of all variables
	maxLayers          = 5
)

// blockedRuntimes are deprecated runtimes AWS no longer accepts for
// creating or updating functions.
var blockedRuntimes = map[string]bool{
	"nodejs": true, "nodejs4.3": true, "nodejs4.3-edge": true, "nodejs6.10": true, "nodejs8.10": true,
	"nodejs10.x": true, "nodejs12.x": true, "nodejs14.x": true, "nodejs16.x": true,
	"python2.7": true, "python3.6": true, "python3.7": true, "python3.8": true,
	"dotnetcore1.0": true, "dotnetcore2.0": true, "dotnetcore2.1": true, "dotnetcore3.1": true, "dotnet6": true,
	"ruby2.5": true, "ruby2.7": true, "go1.x": true, "java8": true, "provided": true,
}

// reservedEnv are variables a function may not set (AWS's reserved keys).
var reservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true, "AWS_LAMBDA_LOG_GROUP_NAME": true,
	"AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY": true, "AWS_ACCESS_KEY_ID": true,
	"AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true, "AWS_LAMBDA_RUNTIME_API": true,
	"LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
}

func invalidParameter(msg string) *awserr.Error {
	return api.ErrInvalidParameterValueException(msg).With("Type", "User")
}

// checkRuntime validates a runtime name for create and update.
func checkRuntime(rt string) *awserr.Error {
	if blockedRuntimes[rt] {
		return invalidParameter(fmt.Sprintf("The runtime parameter of %s is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.", rt))
	}
	return nil
}

// checkConfig validates the numeric limits the model does not carry.
func checkConfig(c *config) *awserr.Error {
	if c.Timeout > maxTimeout {
		return validationError("timeout", c.Timeout, "Member must have value less than or equal to 900")
	}
	if c.MemorySize > maxMemory {
		return validationError("memorySize", c.MemorySize, "Member must have value less than or equal to 10240")
	}
	size := 0
	for k, v := range c.Environment {
		if reservedEnv[k] {
			return invalidParameter(fmt.Sprintf("Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: %s", k))
		}
		size += len(k) + len(v)
	}
	if size > maxEnvironmentSize {
		return invalidParameter(fmt.Sprintf("Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: %d", size))
	}
	if len(c.Layers) > maxLayers {
		return invalidParameter("Cannot reference more than 5 layers.")
	}
	return nil
}

// unpack checks a zip and unpacks it under the work directory, keyed by
// its hash, returning the code record.
func (s *Service) unpack(zipBytes []byte) (*code, *awserr.Error) {
	if len(zipBytes) > maxZipUpload {
		return nil, awserr.New("RequestEntityTooLargeException", 413,
			fmt.Sprintf("Request must be smaller than %d bytes for the CreateFunction operation", maxZipRequestBytes))
	}
	return s.unpackArchive(zipBytes)
}

// unpackArchive is unpack without the direct-upload size limit (archives
// read from S3).
func (s *Service) unpackArchive(zipBytes []byte) (*code, *awserr.Error) {
	zr, err := zip.NewReader(bytes.NewReader(zipBytes), int64(len(zipBytes)))
	if err != nil {
		return nil, invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
	}
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
	}
	if total > maxUnzipped {
		return nil, invalidParameter(fmt.Sprintf("Unzipped size must be smaller than %d bytes", maxUnzipped))
	}
	sum := sha256.Sum256(zipBytes)
	dir := filepath.Join(s.workDir, "code", hex.EncodeToString(sum[:]))
	if _, err := os.Stat(dir); err != nil {
		tmp := dir + ".tmp-" + s.ids.Hex(8)
		if err := extract(zr, tmp); err != nil {
			os.RemoveAll(tmp)
			return nil, invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again.")
		}
		if err := os.Rename(tmp, dir); err != nil {
			os.RemoveAll(tmp)
			if _, statErr := os.Stat(dir); statErr != nil {
				return nil, awserr.Internal(err)
			}
		}
	}
	h := base64.StdEncoding.EncodeToString(sum[:])
	s.mu.Lock()
	s.zips[h] = zipBytes
	s.mu.Unlock()
	return &code{sha256: h, size: int64(len(zipBytes)), unzipped: int64(total), dir: dir}, nil
}

// extract writes a zip's files under dir, refusing paths that leave it.
func extract(zr *zip.Reader, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var total int64
	for _, f := range zr.File {
		name := filepath.FromSlash(f.Name)
		if filepath.IsAbs(name) || strings.HasPrefix(filepath.Clean(name), "..") {
			return fmt.Errorf("unsafe path %q", f.Name)
		}
		target := filepath.Join(dir, name)
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
			continue
		}
		if f.Mode()&os.ModeSymlink != 0 {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if f.Mode()&0o111 != 0 {
			mode = 0o755
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
		if err != nil {
			rc.Close()
			return err
		}
		n, err := io.Copy(out, io.LimitReader(rc, maxUnzipped-total+1))
		total += n
		rc.Close()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		if total > maxUnzipped {
			return fmt.Errorf("unzipped size over limit")
		}
	}
	return nil
}

// CreateFunction creates a function from a zip archive.
func (s *Service) CreateFunction(ctx context.Context, in *api.CreateFunctionRequest) (*api.FunctionConfiguration, error) {
	s.noteEndpoint(ctx)
	k, q, aerr := parseName(ctx, deref(in.FunctionName))
	if aerr != nil {
		return nil, aerr
	}
	if q != "" {
		return nil, invalidParameter("Unsupported function name: a qualifier is not allowed when creating a function.")
	}
	if in.PackageType != nil && *in.PackageType == api.PackageTypeImage {
		return nil, invalidParameter("Virga runs Zip functions only: container image functions (PackageType Image) need a container engine.")
	}
	if in.Runtime == nil || *in.Runtime == "" {
		return nil, invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	if in.Handler == nil || *in.Handler == "" {
		return nil, invalidParameter("Runtime and Handler are mandatory parameters for functions created with deployment packages.")
	}
	if aerr := checkRuntime(*in.Runtime); aerr != nil {
		return nil, aerr
	}
	cfg := config{
		Runtime:          *in.Runtime,
		Role:             deref(in.Role),
		Handler:          *in.Handler,
		Description:      deref(in.Description),
		Timeout:          3,
		MemorySize:       128,
		EphemeralStorage: 512,
		Architectures:    []string{"x86_64"},
		TracingMode:      "PassThrough",
		PackageType:      "Zip",
		LogFormat:        "Text",
		LogGroup:         "/aws/lambda/" + k.name,
		KMSKeyArn:        deref(in.KMSKeyArn),
	}
	if in.Timeout != nil {
		cfg.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		cfg.MemorySize = *in.MemorySize
	}
	if in.Environment != nil && len(in.Environment.Variables) > 0 {
		cfg.Environment = in.Environment.Variables
	}
	if in.EphemeralStorage != nil && in.EphemeralStorage.Size != nil {
		cfg.EphemeralStorage = *in.EphemeralStorage.Size
	}
	if len(in.Architectures) > 0 {
		cfg.Architectures = in.Architectures
	}
	if in.DeadLetterConfig != nil && in.DeadLetterConfig.TargetArn != nil {
		cfg.DeadLetterTarget = *in.DeadLetterConfig.TargetArn
	}
	if in.TracingConfig != nil && in.TracingConfig.Mode != nil {
		cfg.TracingMode = *in.TracingConfig.Mode
	}
	if in.LoggingConfig != nil {
		if in.LoggingConfig.LogFormat != nil {
			cfg.LogFormat = *in.LoggingConfig.LogFormat
		}
		if in.LoggingConfig.LogGroup != nil {
			cfg.LogGroup = *in.LoggingConfig.LogGroup
		}
	}
	if aerr := checkConfig(&cfg); aerr != nil {
		return nil, aerr
	}
	if in.Code == nil {
		return nil, validationError("code", nil, "Member must not be null")
	}
	if in.Code.ImageUri != nil {
		return nil, invalidParameter("Virga runs Zip functions only: container image functions (PackageType Image) need a container engine.")
	}
	if cfg.Layers, aerr = s.resolveLayers(ctx, k, in.Layers); aerr != nil {
		return nil, aerr
	}
	c, aerr := s.functionCode(ctx, "CreateFunction", k.region, in.Code.ZipFile, in.Code.S3Bucket, in.Code.S3Key, in.Code.S3ObjectVersion)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := checkCodeSize(c, cfg.Layers); aerr != nil {
		return nil, aerr
	}
	if aerr := s.storeCode(c); aerr != nil {
		return nil, aerr
	}
	now := s.clock.Now()
	f := &function{
		key:          k,
		versions:     map[string]*version{},
		nextVer:      1,
		aliases:      map[string]*alias{},
		tags:         in.Tags,
		eventConfigs: map[string]*eventConfig{},
	}
	f.latest = &version{fn: f, name: latest, cfg: cfg, code: c, lastModified: now, revisionID: s.ids.UUID()}
	s.mu.Lock()
	if s.functions[k] != nil {
		s.mu.Unlock()
		return nil, api.ErrResourceConflictException("Function already exist: "+k.name).With("Type", "User")
	}
	s.functions[k] = f
	if aerr := s.journalNew(f); aerr != nil {
		delete(s.functions, k)
		s.mu.Unlock()
		return nil, aerr
	}
	s.mu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.latest.toAPI(api.StatePending, "")
	out.LastUpdateStatus = nil
	out.StateReason = str("The function is being created.")
	out.StateReasonCode = str("Creating")
	if in.Publish != nil && *in.Publish {
		v, created, aerr := f.publish(s, "")
		if aerr != nil {
			return nil, aerr
		}
		out = publishedOutput(v, created, false)
	}
	return out, nil
}

// GetFunction returns a function's configuration, code location, tags and
// concurrency.
func (s *Service) GetFunction(ctx context.Context, in *api.GetFunctionRequest) (*api.GetFunctionResponse, error) {
	ep := s.noteEndpoint(ctx)
	f, q, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	q, aerr = qualifier(q, in.Qualifier)
	if aerr != nil {
		return nil, aerr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, aerr := f.resolveExact(q)
	if aerr != nil {
		return nil, aerr
	}
	out := &api.GetFunctionResponse{
		Configuration: v.describe(q),
		Code:          &api.FunctionCodeLocation{RepositoryType: str("S3"), Location: str(s.codeURL(ep, v.code.sha256))},
	}
	if len(f.tags) > 0 {
		out.Tags = f.tags
	}
	if f.reserved != nil {
		out.Concurrency = &api.Concurrency{ReservedConcurrentExecutions: i32(*f.reserved)}
	}
	return out, nil
}

// resolveExact resolves a qualifier without weighted routing (management
// calls). f.mu must be held.
func (f *function) resolveExact(q string) (*version, *awserr.Error) {
	return f.resolve(q, nil)
}

// GetFunctionConfiguration returns a version's configuration.
func (s *Service) GetFunctionConfiguration(ctx context.Context, in *api.GetFunctionConfigurationRequest) (*api.FunctionConfiguration, error) {
	f, q, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	q, aerr = qualifier(q, in.Qualifier)
	if aerr != nil {
		return nil, aerr
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	v, aerr := f.resolveExact(q)
	if aerr != nil {
		return nil, aerr
	}
	return v.describe(q), nil
}

// ListFunctions lists the caller's functions in the region, by name, in
// pages of at most 50.
func (s *Service) ListFunctions(ctx context.Context, in *api.ListFunctionsRequest) (*api.ListFunctionsResponse, error) {
	account, region := caller(ctx)
	s.mu.Lock()
	var fns []*function
	for k, f := range s.functions {
		if k.account == account && k.region == region {
			fns = append(fns, f)
		}
	}
	s.mu.Unlock()
	sort.Slice(fns, func(i, j int) bool { return fns[i].key.name < fns[j].key.name })
	all := in.FunctionVersion != nil && *in.FunctionVersion == "ALL"
	var items []api.FunctionConfiguration
	for _, f := range fns {
		f.mu.Lock()
		if !all {
			items = append(items, *f.latest.describe(""))
		} else {
			// With ALL every entry, $LATEST too, has its qualified ARN.
			items = append(items, *f.latest.describe(latest))
			for _, v := range f.sortedVersions() {
				items = append(items, *v.describe(v.name))
			}
		}
		f.mu.Unlock()
	}
	for i := range items {
		// ListFunctions omits the state fields.
		items[i].State, items[i].LastUpdateStatus = nil, nil
	}
	return paginate(items, in.Marker, in.MaxItems, func(p []api.FunctionConfiguration, next *string) *api.ListFunctionsResponse {
		return &api.ListFunctionsResponse{Functions: p, NextMarker: next}
	})
}

// paginate cuts items into a page at Marker (an index) of MaxItems (at
// most 50).
func paginate[T, R any](items []T, marker *string, maxItems *int32, build func([]T, *string) R) (R, error) {
	start := 0
	if marker != nil && *marker != "" {
		n, err := fmt.Sscanf(*marker, "%d", &start)
		if n != 1 || err != nil || start < 0 || start > len(items) {
			var zero R
			return zero, invalidParameter("Invalid marker value")
		}
	}
	size := 50
	if maxItems != nil && *maxItems > 0 && *maxItems < 50 {
		size = int(*maxItems)
	}
	end := min(start+size, len(items))
	var next *string
	if end < len(items) {
		next = str(fmt.Sprint(end))
	}
	page := items[start:end]
	if page == nil {
		page = []T{}
	}
	return build(page, next), nil
}

// DeleteFunction deletes a function (or one published version) and kills
// its instances.
func (s *Service) DeleteFunction(ctx context.Context, in *api.DeleteFunctionRequest) (*api.DeleteFunctionResponse, error) {
	f, q, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	q, aerr = qualifier(q, in.Qualifier)
	if aerr != nil {
		return nil, aerr
	}
	if q == latest {
		return nil, invalidParameter("$LATEST version cannot be deleted without deleting the function.")
	}
	if q != "" && !isVersionNumber(q) {
		return nil, invalidParameter("Deletion of aliases is not currently supported.")
	}
	f.mu.Lock()
	if q != "" {
		v := f.versions[q]
		if v == nil {
			// AWS answers 204 for a version that does not exist.
			f.mu.Unlock()
			return &api.DeleteFunctionResponse{StatusCode: i32(204)}, nil
		}
		if users := f.aliasesOf(q); len(users) > 0 {
			f.mu.Unlock()
			return nil, api.ErrResourceConflictException(fmt.Sprintf("Unable to delete version because the following aliases reference it: [%s]", strings.Join(users, ", "))).With("Type", "User")
		}
		delete(f.versions, q)
		delete(f.policies, q)
		delete(f.eventConfigs, q)
		aerr := s.unjournalVersion(f, q)
		if aerr == nil {
			aerr = s.journalFunction(f)
		}
		f.mu.Unlock()
		v.pool.retire()
		if aerr != nil {
			return nil, aerr
		}
		return &api.DeleteFunctionResponse{StatusCode: i32(204)}, nil
	}
	f.deleted = true
	vs := append([]*version{f.latest}, f.sortedVersions()...)
	f.mu.Unlock()
	s.mu.Lock()
	if s.functions[f.key] == f {
		delete(s.functions, f.key)
		aerr = s.unjournalFunction(f.key)
	}
	s.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	s.dropURLs(f, func(string) bool { return true })
	for _, v := range vs {
		v.pool.retire()
	}
	return &api.DeleteFunctionResponse{StatusCode: i32(204)}, nil
}

// checkRevisionVia checks a request's RevisionId, when it gives one,
// against the current one, have, naming the calls that read it (getter) in AWS's
// error when they differ.
func checkRevisionVia(want *string, have, getter string) *awserr.Error {
	if want != nil && *want != "" && *want != have {
		return api.ErrPreconditionFailedException("The Revision Id provided does not match the latest Revision Id. Call the "+getter+" API to retrieve the latest Revision Id").With("Type", "User")
	}
	return nil
}

// checkRevision is checkRevisionVia for functions and aliases.
func checkRevision(want *string, have string) *awserr.Error {
	return checkRevisionVia(want, have, "GetFunction/GetAlias")
}

// UpdateFunctionCode replaces $LATEST's code.
func (s *Service) UpdateFunctionCode(ctx context.Context, in *api.UpdateFunctionCodeRequest) (*api.FunctionConfiguration, error) {
	f, q, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	if q != "" && q != latest {
		return nil, invalidParameter("Unsupported qualifier: only $LATEST code can be updated.")
	}
	if in.ImageUri != nil {
		return nil, invalidParameter("Virga runs Zip functions only: container image functions (PackageType Image) need a container engine.")
	}
	c, aerr := s.functionCode(ctx, "UpdateFunctionCode", f.key.region, in.ZipFile, in.S3Bucket, in.S3Key, in.S3ObjectVersion)
	if aerr != nil {
		return nil, aerr
	}
	if aerr := s.storeCode(c); aerr != nil {
		return nil, aerr
	}
	f.mu.Lock()
	if aerr := checkRevision(in.RevisionId, f.latest.revisionID); aerr != nil {
		f.mu.Unlock()
		return nil, aerr
	}
	if aerr := checkCodeSize(c, f.latest.cfg.Layers); aerr != nil {
		f.mu.Unlock()
		return nil, aerr
	}
	if in.DryRun != nil && *in.DryRun {
		out := f.latest.toAPI(api.StateActive, api.LastUpdateStatusSuccessful)
		out.CodeSha256, out.CodeSize = str(c.sha256), &c.size
		f.mu.Unlock()
		return out, nil
	}
	old := f.latest
	nv := &version{fn: f, name: latest, cfg: old.cfg, code: c, lastModified: s.clock.Now(), revisionID: s.ids.UUID()}
	if len(in.Architectures) > 0 {
		nv.cfg.Architectures = in.Architectures
	}
	f.latest = nv
	out := nv.toAPI(api.StateActive, api.LastUpdateStatusInProgress)
	out.LastUpdateStatusReason = str("The function is being created.")
	out.LastUpdateStatusReasonCode = str("Creating")
	aerr = s.journalFunction(f)
	if aerr == nil && in.Publish != nil && *in.Publish {
		var v *version
		var created bool
		if v, created, aerr = f.publish(s, ""); aerr == nil {
			out = publishedOutput(v, created, true)
		}
	}
	f.mu.Unlock()
	old.pool.retire()
	if aerr != nil {
		return nil, aerr
	}
	return out, nil
}

// UpdateFunctionConfiguration changes $LATEST's configuration.
func (s *Service) UpdateFunctionConfiguration(ctx context.Context, in *api.UpdateFunctionConfigurationRequest) (*api.FunctionConfiguration, error) {
	f, q, aerr := s.lookup(ctx, in.FunctionName)
	if aerr != nil {
		return nil, aerr
	}
	if q != "" && q != latest {
		return nil, invalidParameter("Unsupported qualifier: only $LATEST configuration can be updated.")
	}
	if in.Runtime != nil {
		if aerr := checkRuntime(*in.Runtime); aerr != nil {
			return nil, aerr
		}
	}
	var layers []layerRef
	if in.Layers != nil {
		if layers, aerr = s.resolveLayers(ctx, f.key, in.Layers); aerr != nil {
			return nil, aerr
		}
	}
	f.mu.Lock()
	if aerr := checkRevision(in.RevisionId, f.latest.revisionID); aerr != nil {
		f.mu.Unlock()
		return nil, aerr
	}
	old := f.latest
	cfg := old.cfg
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&cfg.Runtime, in.Runtime)
	set(&cfg.Role, in.Role)
	set(&cfg.Handler, in.Handler)
	set(&cfg.Description, in.Description)
	set(&cfg.KMSKeyArn, in.KMSKeyArn)
	if in.Timeout != nil {
		cfg.Timeout = *in.Timeout
	}
	if in.MemorySize != nil {
		cfg.MemorySize = *in.MemorySize
	}
	if in.Environment != nil {
		cfg.Environment = in.Environment.Variables
	}
	if in.DeadLetterConfig != nil {
		cfg.DeadLetterTarget = deref(in.DeadLetterConfig.TargetArn)
	}
	if in.TracingConfig != nil && in.TracingConfig.Mode != nil {
		cfg.TracingMode = *in.TracingConfig.Mode
	}
	if in.Layers != nil {
		cfg.Layers = layers
		if aerr := checkCodeSize(old.code, layers); aerr != nil {
			f.mu.Unlock()
			return nil, aerr
		}
	}
	if in.EphemeralStorage != nil && in.EphemeralStorage.Size != nil {
		cfg.EphemeralStorage = *in.EphemeralStorage.Size
	}
	if in.LoggingConfig != nil {
		set(&cfg.LogFormat, in.LoggingConfig.LogFormat)
		set(&cfg.LogGroup, in.LoggingConfig.LogGroup)
	}
	if aerr := checkConfig(&cfg); aerr != nil {
		f.mu.Unlock()
		return nil, aerr
	}
	nv := &version{fn: f, name: latest, cfg: cfg, code: old.code, lastModified: s.clock.Now(), revisionID: s.ids.UUID()}
	f.latest = nv
	out := nv.toAPI(api.StateActive, api.LastUpdateStatusInProgress)
	out.LastUpdateStatusReason = str("The function is being created.")
	out.LastUpdateStatusReasonCode = str("Creating")
	aerr = s.journalFunction(f)
	f.mu.Unlock()
	old.pool.retire()
	if aerr != nil {
		return nil, aerr
	}
	return out, nil
}

// sortedVersions returns the published versions by number. f.mu must be
// held.
func (f *function) sortedVersions() []*version {
	out := make([]*version, 0, len(f.versions))
	for _, v := range f.versions {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return versionNumber(out[i].name) < versionNumber(out[j].name) })
	return out
}

func versionNumber(s string) int {
	n := 0
	fmt.Sscanf(s, "%d", &n)
	return n
}

// GetAccountSettings reports the account's limits and usage.
func (s *Service) GetAccountSettings(ctx context.Context, in *api.GetAccountSettingsRequest) (*api.GetAccountSettingsResponse, error) {
	account, region := caller(ctx)
	s.mu.Lock()
	var count, size int64
	for k, f := range s.functions {
		if k.account == account && k.region == region {
			count++
			f.mu.Lock()
			size += f.latest.code.size
			f.mu.Unlock()
		}
	}
	s.mu.Unlock()
	reserved := s.reservedSum(account, region)
	return &api.GetAccountSettingsResponse{
		AccountLimit: &api.AccountLimit{
			TotalCodeSize:                  ptr(int64(80530636800)),
			CodeSizeUnzipped:               ptr(int64(maxUnzipped)),
			CodeSizeZipped:                 ptr(int64(maxZipUpload)),
			ConcurrentExecutions:           i32(int32(s.opts.AccountConcurrency)),
			UnreservedConcurrentExecutions: i32(int32(s.opts.AccountConcurrency - reserved)),
		},
		AccountUsage: &api.AccountUsage{TotalCodeSize: &size, FunctionCount: &count},
	}, nil
}

func ptr[T any](v T) *T { return &v }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
