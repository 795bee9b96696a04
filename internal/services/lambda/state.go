package lambda

import (
	"strings"
	"sync"
	"time"

	"github.com/virga-aws/virga/internal/services/lambda/api"
)

// latest is the qualifier of a function's unpublished version.
const latest = "$LATEST"

// funcKey names a function: functions live per account and region.
type funcKey struct{ account, region, name string }

// function is one Lambda function with its versions and settings.
type function struct {
	key funcKey

	// mu guards everything below.
	mu       sync.Mutex
	latest   *version
	versions map[string]*version // published versions by number
	nextVer  int
	aliases  map[string]*alias
	tags     map[string]string
	// reserved is the reserved concurrency, nil when unreserved.
	reserved *int32
	// inflight counts running invocations of every version.
	inflight int
	// eventConfigs are the asynchronous invocation settings by qualifier.
	eventConfigs map[string]*eventConfig
	// policies are the resource-based policies by qualifier ($LATEST for
	// the unqualified function; see policy.go).
	policies map[string]*resourcePolicy
	deleted  bool
}

// arn is the function's unqualified ARN.
func (f *function) arn() string {
	return "arn:aws:lambda:" + f.key.region + ":" + f.key.account + ":function:" + f.key.name
}

// config is a version's configuration, as the API reports it.
type config struct {
	Runtime          string            `json:"runtime"`
	Role             string            `json:"role"`
	Handler          string            `json:"handler"`
	Description      string            `json:"description"`
	Timeout          int32             `json:"timeout"`
	MemorySize       int32             `json:"memorySize"`
	Environment      map[string]string `json:"environment,omitempty"`
	Layers           []layerRef        `json:"layers,omitempty"`
	EphemeralStorage int32             `json:"ephemeralStorage"`
	Architectures    []string          `json:"architectures"`
	DeadLetterTarget string            `json:"deadLetterTarget,omitempty"`
	TracingMode      string            `json:"tracingMode"`
	PackageType      string            `json:"packageType"`
	LogFormat        string            `json:"logFormat"`
	LogGroup         string            `json:"logGroup"`
	KMSKeyArn        string            `json:"kmsKeyArn,omitempty"`
}

// code is an unpacked deployment package.
type code struct {
	sha256   string // base64 SHA-256 of the zip
	size     int64
	unzipped int64  // the files' total size, unzipped
	dir      string // the unzipped task root
	blob     string // the zip's blob id
}

// version is one immutable snapshot of a function's code and configuration.
// $LATEST is replaced by a new snapshot at every update; instances belong
// to the snapshot they were started for.
type version struct {
	fn           *function
	name         string // "$LATEST" or a number
	cfg          config
	code         *code
	lastModified time.Time
	revisionID   string
	description  string
	// origin identifies the $LATEST snapshot a version was published from
	// (for $LATEST, itself once asked; see versions.go), so publishing
	// again without changes returns the same version.
	origin string
	// updateStatus is LastUpdateStatus: Successful once the update that
	// made this snapshot was applied.
	reportPending bool

	pool pool
}

// qualifiedARN is the version's ARN with its qualifier.
func (v *version) qualifiedARN() string { return v.fn.arn() + ":" + v.name }

// alias maps a name to a version, with optional weighted routing.
type alias struct {
	name        string
	version     string
	description string
	weights     map[string]float64
	revisionID  string
}

// eventConfig is the asynchronous invocation configuration of a qualifier.
type eventConfig struct {
	maxRetries   *int32
	maxAge       *int32
	onSuccess    string
	onFailure    string
	lastModified time.Time
}

// toAPI renders the version's configuration as FunctionConfiguration.
func (v *version) toAPI(state, updateStatus string) *api.FunctionConfiguration {
	c := v.cfg
	out := &api.FunctionConfiguration{
		FunctionName:     str(v.fn.key.name),
		FunctionArn:      str(v.fn.arn()),
		Runtime:          str(c.Runtime),
		Role:             str(c.Role),
		Handler:          str(c.Handler),
		CodeSize:         &v.code.size,
		Description:      str(c.Description),
		Timeout:          i32(c.Timeout),
		MemorySize:       i32(c.MemorySize),
		LastModified:     str(v.lastModified.UTC().Format("2006-01-02T15:04:05.000-0700")),
		CodeSha256:       str(v.code.sha256),
		Version:          str(v.name),
		Environment:      &api.EnvironmentResponse{Variables: c.Environment},
		TracingConfig:    &api.TracingConfigResponse{Mode: str(c.TracingMode)},
		RevisionId:       str(v.revisionID),
		State:            str(state),
		LastUpdateStatus: str(updateStatus),
		PackageType:      str(c.PackageType),
		Architectures:    c.Architectures,
		EphemeralStorage: &api.EphemeralStorage{Size: i32(c.EphemeralStorage)},
		SnapStart:        &api.SnapStartResponse{ApplyOn: str("None"), OptimizationStatus: str("Off")},
		LoggingConfig:    &api.LoggingConfig{LogFormat: str(c.LogFormat), LogGroup: str(c.LogGroup)},
		RuntimeVersionConfig: &api.RuntimeVersionConfig{
			RuntimeVersionArn: str("arn:aws:lambda:" + v.fn.key.region + "::runtime:virga-" + strings.ReplaceAll(c.Runtime, ".", "-")),
		},
	}
	if v.name != latest {
		out.FunctionArn = str(v.qualifiedARN())
	}
	if len(c.Environment) == 0 {
		out.Environment = nil
	}
	if c.DeadLetterTarget != "" {
		out.DeadLetterConfig = &api.DeadLetterConfig{TargetArn: str(c.DeadLetterTarget)}
	}
	if c.KMSKeyArn != "" {
		out.KMSKeyArn = str(c.KMSKeyArn)
	}
	for _, l := range c.Layers {
		out.Layers = append(out.Layers, api.Layer{Arn: str(l.Arn), CodeSize: ptr(l.CodeSize)})
	}
	return out
}

func str(s string) *string { return &s }
func i32(n int32) *int32   { return &n }
