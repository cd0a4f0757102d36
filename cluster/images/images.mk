# Images and Crossplane packages (issue 7). The Makefile includes this fragment:
#
#   include cluster/images/images.mk
#
# Nothing here needs Docker: images are built from static binaries with
# go-containerregistry (cluster/images/imagebuild), packages with the Crossplane CLI
# built from source (cluster/build-binaries.sh crossplane), and `composition render`
# runs Crossplane core built from source (hack/crossplane-core.sh) instead of its image.

# Tag of the images. The provider's --listener-image default
# (controller.DefaultListenerImage) is ghcr.io/arc-crossplane/provider-github-arc-listener:v0.1.0;
# keep the two in step.
VERSION ?= v0.1.0
IMAGE_ARCH ?= $(shell go env GOARCH)

.PHONY: images
images: ## Build the provider, listener and function images into _output/images (OCI tarballs, no Docker).
	VERSION=$(VERSION) IMAGE_ARCH=$(IMAGE_ARCH) hack/xpkg.sh images

.PHONY: xpkg
xpkg: images ## Build the provider, function and configuration packages into _output/xpkg.
	CROSSPLANE_CLI="$$(cluster/build-binaries.sh crossplane | tail -n1)/crossplane" VERSION=$(VERSION) hack/xpkg.sh packages

.PHONY: render-check
render-check: ## Render every example AutoscalingRunnerSet and the claim and validate them (golden files: examples/teams/golden).
	CROSSPLANE_CLI="$$(cluster/build-binaries.sh crossplane | tail -n1)/crossplane" \
	CROSSPLANE_CORE="$$(hack/crossplane-core.sh | tail -n1)" \
	$(GO) test -count=1 ./package/... ./internal/function/...
