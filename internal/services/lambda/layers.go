package lambda

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/virga-aws/virga/internal/awserr"
	"github.com/virga-aws/virga/internal/services/lambda/api"
)

// maxLayerPolicySize is the largest layer version policy document, in
// bytes (as for function policies).
const maxLayerPolicySize = 20480

// layerRef is one layer of a function version: the layer version's ARN and
// its archive, which stays usable after the layer version is deleted, as on
// AWS.
type layerRef struct {
	Arn      string `json:"arn"`
	CodeSize int64  `json:"codeSize"`
	Sha256   string `json:"sha256"` // base64, as CodeSha256
	Unzipped int64  `json:"unzipped"`
}

// layerKey names a layer: layers live per account and region.
type layerKey struct{ account, region, name string }

// arn is the layer's ARN (without a version).
func (k layerKey) arn() string {
	return "arn:aws:lambda:" + k.region + ":" + k.account + ":layer:" + k.name
}

// layer is a named layer and its versions. Version numbers are never
// reused, even after every version is deleted.
type layer struct {
	key      layerKey
	versions map[int64]*layerVersion
	next     int64
}

// layerVersion is one immutable published version of a layer, with its
// (mutable) resource policy.
type layerVersion struct {
	key           layerKey
	number        int64
	description   string
	license       *string
	runtimes      []string
	architectures []string
	created       time.Time
	code          *code

	policy         []layerStatement
	policyRevision string
}

// arn is the layer version's ARN.
func (v *layerVersion) arn() string { return v.key.arn() + ":" + strconv.FormatInt(v.number, 10) }

// layerStatement is one statement of a layer version's policy, in AWS's
// member order.
type layerStatement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Principal any            `json:"Principal"`
	Action    string         `json:"Action"`
	Resource  string         `json:"Resource"`
	Condition map[string]any `json:"Condition,omitempty"`
}

// layerStore holds every layer. mu guards the map, the layers and the
// versions' policies.
type layerStore struct {
	mu     sync.Mutex
	layers map[layerKey]*layer
}

// reset deletes every layer and returns the layers it deleted.
func (st *layerStore) reset() map[layerKey]*layer {
	st.mu.Lock()
	defer st.mu.Unlock()
	old := st.layers
	st.layers = nil
	return old
}

// version returns a layer version, or nil. st.mu must be held.
func (st *layerStore) version(k layerKey, n int64) *layerVersion {
	if l := st.layers[k]; l != nil {
		return l.versions[n]
	}
	return nil
}

// layerDate formats a layer's CreatedDate as AWS does.
func layerDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-0700") }

// layerKeyOf resolves a LayerName parameter (a name or a layer ARN) for the
// caller.
func layerKeyOf(ctx context.Context, name *string) layerKey {
	account, region := caller(ctx)
	n := deref(name)
	if parts := strings.Split(n, ":"); len(parts) == 7 && parts[0] == "arn" && parts[5] == "layer" {
		return layerKey{account: parts[4], region: parts[3], name: parts[6]}
	}
	return layerKey{account: account, region: region, name: n}
}

// parseLayerVersionARN splits arn:aws:lambda:REGION:ACCOUNT:layer:NAME:N.
func parseLayerVersionARN(arn string) (layerKey, int64, bool) {
	parts := strings.Split(arn, ":")
	if len(parts) != 8 || parts[0] != "arn" || parts[2] != "lambda" || parts[5] != "layer" || parts[6] == "" {
		return layerKey{}, 0, false
	}
	n, err := strconv.ParseInt(parts[7], 10, 64)
	if err != nil || n < 1 {
		return layerKey{}, 0, false
	}
	return layerKey{account: parts[4], region: parts[3], name: parts[6]}, n, true
}

// errLayerNotFound is GetLayerVersion's not-found error.
func errLayerNotFound() *awserr.Error {
	return api.ErrResourceNotFoundException("The resource you requested does not exist.").With("Type", "User")
}

// checkVersionNumber rejects version numbers below 1.
func checkVersionNumber(n *int64) *awserr.Error {
	if n == nil || *n < 1 {
		return invalidParameter("Layer Version Cannot be less than 1")
	}
	return nil
}

// PublishLayerVersion creates the next version of a layer (and the layer
// at its first version) from a zip given inline or in S3.
func (s *Service) PublishLayerVersion(ctx context.Context, in *api.PublishLayerVersionRequest) (*api.PublishLayerVersionResponse, error) {
	ep := s.noteEndpoint(ctx)
	k := layerKeyOf(ctx, in.LayerName)
	if in.Content == nil {
		return nil, validationError("content", nil, "Member must not be null")
	}
	c, aerr := s.functionCode(ctx, "PublishLayerVersion", k.region, in.Content.ZipFile, in.Content.S3Bucket, in.Content.S3Key, in.Content.S3ObjectVersion)
	if aerr != nil {
		return nil, aerr
	}
	// Functions record the archives of their layers; with a data
	// directory the archive is kept as a blob like function code.
	if aerr := s.storeCode(c); aerr != nil {
		return nil, aerr
	}
	st := &s.layers
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.layers == nil {
		st.layers = map[layerKey]*layer{}
	}
	l := st.layers[k]
	if l == nil {
		l = &layer{key: k, versions: map[int64]*layerVersion{}, next: 1}
		st.layers[k] = l
	}
	v := &layerVersion{
		key:           k,
		number:        l.next,
		description:   deref(in.Description),
		license:       in.LicenseInfo,
		runtimes:      in.CompatibleRuntimes,
		architectures: in.CompatibleArchitectures,
		created:       s.clock.Now(),
		code:          c,
	}
	l.next++
	l.versions[v.number] = v
	if aerr := s.journalLayer(l, v); aerr != nil {
		return nil, aerr
	}
	out := s.layerOutput(ep, v)
	return &api.PublishLayerVersionResponse{
		Content: out.Content, LayerArn: out.LayerArn, LayerVersionArn: out.LayerVersionArn, Description: out.Description,
		CreatedDate: out.CreatedDate, Version: out.Version, CompatibleRuntimes: out.CompatibleRuntimes,
		LicenseInfo: out.LicenseInfo, CompatibleArchitectures: out.CompatibleArchitectures,
	}, nil
}

// layerOutput renders a layer version as GetLayerVersion does, with a
// download link on endpoint.
func (s *Service) layerOutput(endpoint string, v *layerVersion) *api.GetLayerVersionResponse {
	item := v.listItem()
	return &api.GetLayerVersionResponse{
		Content: &api.LayerVersionContentOutput{
			Location:   str(s.codeURL(endpoint, v.code.sha256)),
			CodeSha256: str(v.code.sha256),
			CodeSize:   ptr(v.code.size),
		},
		LayerArn:                str(v.key.arn()),
		LayerVersionArn:         item.LayerVersionArn,
		Description:             item.Description,
		CreatedDate:             item.CreatedDate,
		Version:                 item.Version,
		CompatibleRuntimes:      item.CompatibleRuntimes,
		LicenseInfo:             item.LicenseInfo,
		CompatibleArchitectures: item.CompatibleArchitectures,
	}
}

// listItem renders a layer version as the list operations do.
func (v *layerVersion) listItem() *api.LayerVersionsListItem {
	return &api.LayerVersionsListItem{
		LayerVersionArn:         str(v.arn()),
		Version:                 ptr(v.number),
		Description:             str(v.description),
		CreatedDate:             str(layerDate(v.created)),
		CompatibleRuntimes:      v.runtimes,
		LicenseInfo:             v.license,
		CompatibleArchitectures: v.architectures,
	}
}

// GetLayerVersion returns a layer version with a link to its archive.
func (s *Service) GetLayerVersion(ctx context.Context, in *api.GetLayerVersionRequest) (*api.GetLayerVersionResponse, error) {
	ep := s.noteEndpoint(ctx)
	if aerr := checkVersionNumber(in.VersionNumber); aerr != nil {
		return nil, aerr
	}
	return s.getLayerVersion(ep, layerKeyOf(ctx, in.LayerName), *in.VersionNumber)
}

// GetLayerVersionByArn returns the layer version a layer version ARN
// names.
func (s *Service) GetLayerVersionByArn(ctx context.Context, in *api.GetLayerVersionByArnRequest) (*api.GetLayerVersionResponse, error) {
	ep := s.noteEndpoint(ctx)
	k, n, ok := parseLayerVersionARN(deref(in.Arn))
	if !ok {
		return nil, validationError("arn", deref(in.Arn),
			`Member must satisfy regular expression pattern: arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+`)
	}
	return s.getLayerVersion(ep, k, n)
}

func (s *Service) getLayerVersion(endpoint string, k layerKey, n int64) (*api.GetLayerVersionResponse, error) {
	s.layers.mu.Lock()
	defer s.layers.mu.Unlock()
	v := s.layers.version(k, n)
	if v == nil {
		return nil, errLayerNotFound()
	}
	return s.layerOutput(endpoint, v), nil
}

// matches reports whether the version suits the list filters.
func (v *layerVersion) matches(runtime, arch *string) bool {
	if runtime != nil && *runtime != "" && !contains(v.runtimes, *runtime) {
		return false
	}
	if arch != nil && *arch != "" && !contains(v.architectures, *arch) {
		return false
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sortedVersions returns the layer's versions, newest first.
func (l *layer) sortedVersions() []*layerVersion {
	out := make([]*layerVersion, 0, len(l.versions))
	for _, v := range l.versions {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].number > out[j].number })
	return out
}

// ListLayers lists the caller's layers in the region by name, each with
// its newest version matching the filters; layers with no matching
// version are left out.
func (s *Service) ListLayers(ctx context.Context, in *api.ListLayersRequest) (*api.ListLayersResponse, error) {
	account, region := caller(ctx)
	s.layers.mu.Lock()
	var items []api.LayersListItem
	for k, l := range s.layers.layers {
		if k.account != account || k.region != region {
			continue
		}
		for _, v := range l.sortedVersions() {
			if v.matches(in.CompatibleRuntime, in.CompatibleArchitecture) {
				items = append(items, api.LayersListItem{LayerName: str(k.name), LayerArn: str(k.arn()), LatestMatchingVersion: v.listItem()})
				break
			}
		}
	}
	s.layers.mu.Unlock()
	sort.Slice(items, func(i, j int) bool { return *items[i].LayerName < *items[j].LayerName })
	return paginate(items, in.Marker, in.MaxItems, func(p []api.LayersListItem, next *string) *api.ListLayersResponse {
		return &api.ListLayersResponse{Layers: p, NextMarker: next}
	})
}

// ListLayerVersions lists a layer's versions matching the filters, newest
// first; a layer that does not exist has none.
func (s *Service) ListLayerVersions(ctx context.Context, in *api.ListLayerVersionsRequest) (*api.ListLayerVersionsResponse, error) {
	k := layerKeyOf(ctx, in.LayerName)
	s.layers.mu.Lock()
	var items []api.LayerVersionsListItem
	if l := s.layers.layers[k]; l != nil {
		for _, v := range l.sortedVersions() {
			if v.matches(in.CompatibleRuntime, in.CompatibleArchitecture) {
				items = append(items, *v.listItem())
			}
		}
	}
	s.layers.mu.Unlock()
	return paginate(items, in.Marker, in.MaxItems, func(p []api.LayerVersionsListItem, next *string) *api.ListLayerVersionsResponse {
		return &api.ListLayerVersionsResponse{LayerVersions: p, NextMarker: next}
	})
}

// DeleteLayerVersion deletes a layer version; deleting one that does not
// exist succeeds, as on AWS. Functions using it keep its contents.
func (s *Service) DeleteLayerVersion(ctx context.Context, in *api.DeleteLayerVersionRequest) (*api.Empty, error) {
	if aerr := checkVersionNumber(in.VersionNumber); aerr != nil {
		return nil, aerr
	}
	k := layerKeyOf(ctx, in.LayerName)
	s.layers.mu.Lock()
	defer s.layers.mu.Unlock()
	if l := s.layers.layers[k]; l != nil && l.versions[*in.VersionNumber] != nil {
		delete(l.versions, *in.VersionNumber)
		if aerr := s.unjournalLayerVersion(k, *in.VersionNumber); aerr != nil {
			return nil, aerr
		}
	}
	return &api.Empty{}, nil
}

// errLayerVersionMissing is the permission operations' not-found error.
func errLayerVersionMissing(k layerKey, n int64) *awserr.Error {
	return api.ErrResourceNotFoundException(fmt.Sprintf("Layer version %s:%d does not exist.", k.arn(), n)).With("Type", "User")
}

// layerPrincipal shapes a Principal parameter as the policy shows it: "*"
// stays, an account id becomes its root ARN under "AWS".
func layerPrincipal(p string) any {
	if p == "*" {
		return "*"
	}
	if len(p) == 12 {
		return map[string]string{"AWS": "arn:aws:iam::" + p + ":root"}
	}
	return map[string]string{"AWS": p}
}

// policyDocument renders a layer version's policy as AWS stores it.
func (v *layerVersion) policyDocument() []byte {
	doc, _ := json.Marshal(struct {
		Version   string           `json:"Version"`
		ID        string           `json:"Id"`
		Statement []layerStatement `json:"Statement"`
	}{"2012-10-17", "default", v.policy})
	return doc
}

// lockLayerVersion checks the version number and returns the caller's
// layer version with s.layers.mu held, which the caller releases; when
// there is none it returns AWS's error and holds nothing.
func (s *Service) lockLayerVersion(ctx context.Context, name *string, number *int64) (*layerVersion, *awserr.Error) {
	if aerr := checkVersionNumber(number); aerr != nil {
		return nil, aerr
	}
	k := layerKeyOf(ctx, name)
	s.layers.mu.Lock()
	v := s.layers.version(k, *number)
	if v == nil {
		s.layers.mu.Unlock()
		return nil, errLayerVersionMissing(k, *number)
	}
	return v, nil
}

// checkRevision checks a request's RevisionId, when it gives one, against
// the policy's.
func (v *layerVersion) checkRevision(revision *string) *awserr.Error {
	return checkRevisionVia(revision, v.policyRevision, "GetLayerPolicy")
}

// AddLayerVersionPermission adds a statement granting lambda:GetLayerVersion
// to the layer version's policy. Like all of IAM in Virga, the policy is
// kept and reported, not enforced.
func (s *Service) AddLayerVersionPermission(ctx context.Context, in *api.AddLayerVersionPermissionRequest) (*api.AddLayerVersionPermissionResponse, error) {
	v, aerr := s.lockLayerVersion(ctx, in.LayerName, in.VersionNumber)
	if aerr != nil {
		return nil, aerr
	}
	defer s.layers.mu.Unlock()
	sid := deref(in.StatementId)
	for _, st := range v.policy {
		if st.Sid == sid {
			return nil, api.ErrResourceConflictException(fmt.Sprintf("The statement id (%s) provided already exists. Please provide a new statement id, or remove the existing statement.", sid)).With("Type", "User")
		}
	}
	if aerr := v.checkRevision(in.RevisionId); aerr != nil {
		return nil, aerr
	}
	st := layerStatement{Sid: sid, Effect: "Allow", Principal: layerPrincipal(deref(in.Principal)), Action: deref(in.Action), Resource: v.arn()}
	if in.OrganizationId != nil && *in.OrganizationId != "" {
		st.Condition = map[string]any{"StringEquals": map[string]string{"aws:PrincipalOrgID": *in.OrganizationId}}
	}
	old := v.policy
	v.policy = append(append([]layerStatement(nil), old...), st)
	if size := len(v.policyDocument()); size > maxLayerPolicySize {
		v.policy = old
		return nil, api.ErrPolicyLengthExceededException(fmt.Sprintf("The final policy size (%d) is bigger than the limit (%d).", size, maxLayerPolicySize)).With("Type", "User")
	}
	v.policyRevision = s.ids.UUID()
	if aerr := s.journalLayerVersion(v); aerr != nil {
		return nil, aerr
	}
	doc, _ := json.Marshal(st)
	return &api.AddLayerVersionPermissionResponse{Statement: str(string(doc)), RevisionId: str(v.policyRevision)}, nil
}

// RemoveLayerVersionPermission removes a statement from a layer version's
// policy.
func (s *Service) RemoveLayerVersionPermission(ctx context.Context, in *api.RemoveLayerVersionPermissionRequest) (*api.Empty, error) {
	v, aerr := s.lockLayerVersion(ctx, in.LayerName, in.VersionNumber)
	if aerr != nil {
		return nil, aerr
	}
	defer s.layers.mu.Unlock()
	if len(v.policy) == 0 {
		return nil, errNoPolicy()
	}
	if aerr := v.checkRevision(in.RevisionId); aerr != nil {
		return nil, aerr
	}
	sid := deref(in.StatementId)
	for i, st := range v.policy {
		if st.Sid == sid {
			v.policy = append(append([]layerStatement(nil), v.policy[:i]...), v.policy[i+1:]...)
			v.policyRevision = s.ids.UUID()
			if aerr := s.journalLayerVersion(v); aerr != nil {
				return nil, aerr
			}
			return &api.Empty{}, nil
		}
	}
	return nil, api.ErrResourceNotFoundException(fmt.Sprintf("Statement %s is not found in resource policy.", sid)).With("Type", "User")
}

// GetLayerVersionPolicy returns a layer version's policy document.
func (s *Service) GetLayerVersionPolicy(ctx context.Context, in *api.GetLayerVersionPolicyRequest) (*api.GetLayerVersionPolicyResponse, error) {
	v, aerr := s.lockLayerVersion(ctx, in.LayerName, in.VersionNumber)
	if aerr != nil {
		return nil, aerr
	}
	defer s.layers.mu.Unlock()
	if len(v.policy) == 0 {
		return nil, errNoPolicy()
	}
	return &api.GetLayerVersionPolicyResponse{Policy: str(string(v.policyDocument())), RevisionId: str(v.policyRevision)}, nil
}

// resolveLayers checks a function's Layers parameter (at most five layer
// version ARNs in the function's region, each existing, no layer twice)
// and returns the layers with their archives, in order.
func (s *Service) resolveLayers(ctx context.Context, fn funcKey, arns []string) ([]layerRef, *awserr.Error) {
	if len(arns) > maxLayers {
		return nil, invalidParameter("Cannot reference more than 5 layers.")
	}
	var out []layerRef
	seen := map[layerKey]string{}
	s.layers.mu.Lock()
	defer s.layers.mu.Unlock()
	for _, arn := range arns {
		k, n, ok := parseLayerVersionARN(arn)
		if !ok {
			return nil, validationError("layers", "["+strings.Join(arns, ", ")+"]",
				`Member must satisfy constraint: [Member must have length less than or equal to 140, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: (arn:[a-zA-Z0-9-]+:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+), Member must not be null]`)
		}
		if k.region != fn.region {
			return nil, invalidParameter("Layers are not in the same region as the function. Layers are expected to be in region " + fn.region + ".")
		}
		v := s.layers.version(k, n)
		if v == nil {
			return nil, invalidParameter("Layer version " + arn + " does not exist.")
		}
		if first, dup := seen[k]; dup {
			return nil, invalidParameter(fmt.Sprintf("Two different versions of the same layer are not allowed to be referenced in the same function. %s and %s are versions of the same layer.", first, arn))
		}
		seen[k] = arn
		out = append(out, layerRef{Arn: arn, CodeSize: v.code.size, Sha256: v.code.sha256, Unzipped: v.code.unzipped})
	}
	return out, nil
}

// layerDir returns the directory holding a version's layers merged in
// order (later layers overwriting earlier ones), as AWS extracts them to
// /opt, building it at first use; "" for a version without layers. The
// directory is shared by every version with the same layers.
func (s *Service) layerDir(v *version) (string, error) {
	layers := v.cfg.Layers
	if len(layers) == 0 {
		return "", nil
	}
	h := sha256.New()
	for _, l := range layers {
		io.WriteString(h, l.Sha256+"\n")
	}
	dir := filepath.Join(s.workDir, "opt", hex.EncodeToString(h.Sum(nil))[:32])
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	tmp := dir + ".tmp-" + s.ids.Hex(8)
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return "", err
	}
	for _, l := range layers {
		src, err := s.unpackedDir(l.Sha256)
		if err == nil {
			err = mergeTree(src, tmp)
		}
		if err != nil {
			os.RemoveAll(tmp)
			return "", fmt.Errorf("lambda: preparing layer %s: %w", l.Arn, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, statErr := os.Stat(dir); statErr != nil {
			return "", err
		}
	}
	return dir, nil
}

// unpackedDir returns the directory an archive is unpacked in, unpacking
// it again from the kept zip (in memory, or the blob store after a
// restart) when the directory is gone.
func (s *Service) unpackedDir(sha string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(sha)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(s.workDir, "code", hex.EncodeToString(raw))
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	zipBytes, ok := s.zipBytes(sha)
	if !ok {
		b, err := s.persist.blobs.Open(blobID(sha))
		if err != nil {
			return "", fmt.Errorf("archive %s is gone", sha)
		}
		zipBytes, err = io.ReadAll(b)
		b.Close()
		if err != nil {
			return "", err
		}
	}
	c, aerr := s.unpackArchive(zipBytes)
	if aerr != nil {
		return "", aerr
	}
	return c.dir, nil
}

// mergeTree copies the files under src into dst, replacing what is there:
// hard links where the filesystem allows, copies otherwise.
func mergeTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			if st, err := os.Lstat(target); err == nil && !st.IsDir() {
				os.Remove(target)
			}
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if err := os.RemoveAll(target); err != nil {
			return err
		}
		if os.Link(path, target) == nil {
			return nil
		}
		return copyFile(path, target)
	})
}

// copyFile copies a regular file with its permission bits.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// layerEnvironment points a function's environment at its layers in
// optDir the way each runtime finds /opt on AWS: bin/ on PATH, lib/ on
// LD_LIBRARY_PATH, python/ and python/lib/python3.x/site-packages on
// PYTHONPATH, nodejs/node_modules and nodejs/node<N>/node_modules on
// NODE_PATH. The layer directories come after the function's own and
// before the machine's (on PATH, before the host directories AWS's base
// image would not have). Variables the function sets itself, later in
// env, still win.
func layerEnvironment(env []string, runtime, optDir string) []string {
	if optDir == "" {
		return env
	}
	sep := string(os.PathListSeparator)
	insertAfter := func(name string, after int, dirs ...string) {
		for i, kv := range env {
			val, ok := strings.CutPrefix(kv, name+"=")
			if !ok {
				continue
			}
			parts := strings.Split(val, sep)
			if after > len(parts) {
				after = len(parts)
			}
			parts = append(parts[:after], append(dirs, parts[after:]...)...)
			env[i] = name + "=" + strings.Join(nonEmpty(parts...), sep)
			return
		}
		env = append(env, name+"="+strings.Join(dirs, sep))
	}
	// The platform PATH is the task root, its bin/, then the machine's.
	insertAfter("PATH", 2, filepath.Join(optDir, "bin"))
	// LD_LIBRARY_PATH is the task root's lib/ and the task root, then the
	// machine's.
	insertAfter("LD_LIBRARY_PATH", 2, filepath.Join(optDir, "lib"))
	switch {
	case strings.HasPrefix(runtime, "python"):
		insertAfter("PYTHONPATH", 1,
			filepath.Join(optDir, "python", "lib", runtime, "site-packages"),
			filepath.Join(optDir, "python"))
	case strings.HasPrefix(runtime, "nodejs"):
		major := strings.TrimSuffix(strings.TrimPrefix(runtime, "nodejs"), ".x")
		insertAfter("NODE_PATH", 0,
			filepath.Join(optDir, "nodejs", "node"+major, "node_modules"),
			filepath.Join(optDir, "nodejs", "node_modules"))
	}
	return env
}
