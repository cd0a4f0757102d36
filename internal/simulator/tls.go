package simulator

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"time"
)

const (
	errGenerateKey  = "cannot generate a private key"
	errCreateCert   = "cannot create a certificate"
	errParseCert    = "cannot parse the generated certificate"
	errSerialNumber = "cannot generate a certificate serial number"
)

// serverNames are the DNS names the leaf certificate covers besides 127.0.0.1:
// github.localhost and api.github.localhost let clients run in GitHub.com
// ("hosted") mode against the simulator.
var serverNames = []string{"localhost", "github.localhost", "api.github.localhost"}

// certificates is a freshly generated CA and a leaf it signed.
type certificates struct {
	caPEM []byte
	leaf  tls.Certificate
}

// generateCertificates creates a CA and a server certificate for the simulator. Both
// live in memory only: every simulator instance has its own trust root.
func generateCertificates(now time.Time) (*certificates, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errGenerateKey, err)
	}
	caSerial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	// Backdated so that a client whose clock runs slightly behind still trusts it.
	notBefore := now.Add(-time.Hour)
	caTemplate := &x509.Certificate{
		SerialNumber:          caSerial,
		Subject:               pkix.Name{CommonName: "provider-github-arc simulator CA", Organization: []string{"provider-github-arc"}},
		NotBefore:             notBefore,
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errCreateCert, err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errParseCert, err)
	}

	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errGenerateKey, err)
	}
	leafSerial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	leafTemplate := &x509.Certificate{
		SerialNumber: leafSerial,
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    notBefore,
		NotAfter:     now.Add(5 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     serverNames,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTemplate, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errCreateCert, err)
	}
	return &certificates{
		caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		leaf:  tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey},
	}, nil
}

func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", errSerialNumber, err)
	}
	return n, nil
}
