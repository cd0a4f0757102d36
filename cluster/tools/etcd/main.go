// Command etcd is etcd's own server, built from the module proxy at the version
// pinned in go.mod, so the local cluster needs no downloads from elsewhere.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
