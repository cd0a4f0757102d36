package actions

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"sync"

	"github.com/google/uuid"
)

// The encoded JIT config keeps the structure the real runner decodes (PROTOCOL.md
// §4.8): standard base64 of a JSON object mapping file names to the base64 of each
// file. Real runner binaries are not expected to work against the simulator; the
// fake runner of the admin API presents the secret inside .credentials.

const (
	jitFileRunner      = ".runner"
	jitFileCredentials = ".credentials"
	jitFileRSAParams   = ".credentials_rsaparams"
)

// jitRunnerSettings is the .runner file (camelCase RunnerSettings, plus the
// runnerScaleSetId extension).
type jitRunnerSettings struct {
	AgentID          int    `json:"agentId"`
	AgentName        string `json:"agentName"`
	PoolID           int    `json:"poolId"`
	PoolName         string `json:"poolName"`
	ServerURL        string `json:"serverUrl"`
	WorkFolder       string `json:"workFolder"`
	Ephemeral        bool   `json:"ephemeral"`
	DisableUpdate    bool   `json:"disableUpdate"`
	RunnerScaleSetID int    `json:"runnerScaleSetId"`
}

type jitCredentials struct {
	Scheme string            `json:"scheme"`
	Data   map[string]string `json:"data"`
}

// credentialSecretKey names the simulator's runner secret in .credentials.data.
const credentialSecretKey = "simulatorRunnerSecret"

// rsaParams is an RSA key in the .NET RSAParameters form the runner stores.
type rsaParams struct {
	D        string `json:"d"`
	DP       string `json:"dp"`
	DQ       string `json:"dq"`
	Exponent string `json:"exponent"`
	InverseQ string `json:"inverseQ"`
	Modulus  string `json:"modulus"`
	P        string `json:"p"`
	Q        string `json:"q"`
}

var (
	runnerKeyOnce sync.Once
	runnerKeyJSON []byte
)

// runnerKey returns one RSA key for every runner of the process: the file only
// has to have the right shape, and a key per runner would cost a key generation
// per generatejitconfig.
func runnerKey() []byte {
	runnerKeyOnce.Do(func() {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			runnerKeyJSON = []byte(`{}`)
			return
		}
		key.Precompute()
		b64 := func(i *big.Int) string { return base64.StdEncoding.EncodeToString(i.Bytes()) }
		runnerKeyJSON, _ = json.Marshal(rsaParams{
			D:        b64(key.D),
			DP:       b64(key.Precomputed.Dp),
			DQ:       b64(key.Precomputed.Dq),
			Exponent: b64(big.NewInt(int64(key.E))),
			InverseQ: b64(key.Precomputed.Qinv),
			Modulus:  b64(key.N),
			P:        b64(key.Primes[0]),
			Q:        b64(key.Primes[1]),
		})
	})
	return runnerKeyJSON
}

func (s *Service) encodeJITConfigLocked(rn *runner) string {
	base := s.cfg.BaseURL(rn.tenant)
	settings, _ := json.Marshal(jitRunnerSettings{
		AgentID:          rn.id,
		AgentName:        rn.name,
		ServerURL:        base,
		WorkFolder:       rn.workDir,
		Ephemeral:        true,
		DisableUpdate:    rn.scaleSet.disableUpdate,
		RunnerScaleSetID: rn.scaleSet.id,
	})
	creds, _ := json.Marshal(jitCredentials{
		Scheme: "OAuth",
		Data: map[string]string{
			"clientId":                uuid.NewString(),
			"authorizationUrl":        base + "_apis/oauth2/token",
			"requireFipsCryptography": "False",
			credentialSecretKey:       rn.secret,
		},
	})
	files, _ := json.Marshal(map[string]string{
		jitFileRunner:      base64.StdEncoding.EncodeToString(settings),
		jitFileCredentials: base64.StdEncoding.EncodeToString(creds),
		jitFileRSAParams:   base64.StdEncoding.EncodeToString(runnerKey()),
	})
	return base64.StdEncoding.EncodeToString(files)
}

var errJITConfig = errors.New("not an encoded JIT config issued by this simulator")

// decodedJIT is what a fake runner presents from its JIT config.
type decodedJIT struct {
	settings jitRunnerSettings
	secret   string
}

// decodeJITConfig reads an encoded JIT config the way the runner does.
func decodeJITConfig(encoded string) (decodedJIT, error) {
	var files map[string]string
	if err := decodeBase64JSON(encoded, &files); err != nil {
		return decodedJIT{}, fmt.Errorf("%w: %w", errJITConfig, err)
	}
	var out decodedJIT
	if err := decodeBase64JSON(files[jitFileRunner], &out.settings); err != nil {
		return decodedJIT{}, fmt.Errorf("%w: %s: %w", errJITConfig, jitFileRunner, err)
	}
	var creds jitCredentials
	if err := decodeBase64JSON(files[jitFileCredentials], &creds); err != nil {
		return decodedJIT{}, fmt.Errorf("%w: %s: %w", errJITConfig, jitFileCredentials, err)
	}
	out.secret = creds.Data[credentialSecretKey]
	if out.settings.AgentID <= 0 || out.secret == "" {
		return decodedJIT{}, fmt.Errorf("%w: no runner id or secret", errJITConfig)
	}
	return out, nil
}

func decodeBase64JSON(s string, v any) error {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("bad base64: %w", err)
	}
	return decodeJSON(raw, v)
}
