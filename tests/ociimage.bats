# OCI images: tincan-mkimage --oci (mkimage/oci.c) packs hello.tc as an OCI
# image layout in a tar.  Checked here: the layout (skopeo and umoci read it,
# every blob's digest and size are what the descriptors say), the one layer
# (/tincan.tc, 0555, 0:0, the image's bytes), the config and annotations
# of the shared contract, reproducible bytes, the name, the refusals, and
# `ctr images import` into a private containerd naming the image, and the
# imported image run by `ctr run --runc-binary=tincan-oci`.
load helpers

MK=$B/bin/tincan-mkimage
HELLO=$B/apps/hello.tc
LABELS='{"com.urunc.unikernel.binary":"/tincan.tc","com.urunc.unikernel.cmdline":"","com.urunc.unikernel.hypervisor":"tincan-run","com.urunc.unikernel.unikernelType":"tincan","org.tincan.abi":"ABI","org.tincan.image":"/tincan.tc","org.tincan.platform":"kvm"}'

need() {
	command -v "$1" >/dev/null || skip "$1 is not installed (toolchain/deps.sh test installs ${2:-$1})"
}

# The guest ABI version in hello's manifest.
abi() {
	"$MK" "$HELLO" | sed -n 's/^platform: kvm (guest ABI v\([0-9]*\))$/\1/p'
}

# oci OUT [ARGS...]: tincan-mkimage --oci=OUT ARGS (default: hello), which
# must succeed silently; then OUT unpacked in $lay.
oci() {
	local out=$1
	shift
	[ $# -gt 0 ] || set -- "$HELLO"
	run "$MK" --oci="$out" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	lay=$BATS_TEST_TMPDIR/layout.$RANDOM
	mkdir "$lay"
	tar -xf "$out" -C "$lay"
}

# blob DIGEST: its file in $lay, after checking the file is named by the
# SHA-256 of its bytes.
blob() {
	local hex=${1#sha256:} f
	[[ $1 == sha256:* && ${#hex} -eq 64 ]] || { echo "bad digest '$1'" >&2; return 1; }
	f=$lay/blobs/sha256/$hex
	[ "$(sha256sum <"$f" | cut -c1-64)" = "$hex" ] || { echo "blob $hex has another digest" >&2; return 1; }
	echo "$f"
}

# The manifest, config and layer blobs of $lay's one image, digests and
# sizes checked against their descriptors.
blobs() {
	need jq
	[ "$(jq -r '.manifests | length' "$lay/index.json")" -eq 1 ]
	manifest=$(blob "$(jq -r '.manifests[0].digest' "$lay/index.json")")
	[ "$(stat -c %s "$manifest")" -eq "$(jq -r '.manifests[0].size' "$lay/index.json")" ]
	config=$(blob "$(jq -r .config.digest "$manifest")")
	[ "$(stat -c %s "$config")" -eq "$(jq -r .config.size "$manifest")" ]
	[ "$(jq -r '.layers | length' "$manifest")" -eq 1 ]
	layer=$(blob "$(jq -r '.layers[0].digest' "$manifest")")
	[ "$(stat -c %s "$layer")" -eq "$(jq -r '.layers[0].size' "$manifest")" ]
}

# The name in index.json: containerd's, then the OCI tag.
ref_of() {
	jq -r '.manifests[0].annotations | ."io.containerd.image.name" + " " + ."org.opencontainers.image.ref.name"' \
		"$lay/index.json"
}

@test "the layout is valid: oci-layout, index.json and blobs named by their digests, with the sizes the descriptors give" {
	oci "$BATS_TEST_TMPDIR/hello.tar"
	[ "$(tar -tf "$BATS_TEST_TMPDIR/hello.tar" | grep -v '^blobs/' | tr '\n' ' ')" = "index.json oci-layout " ]
	[ "$(cat "$lay/oci-layout")" = '{"imageLayoutVersion":"1.0.0"}' ]
	blobs
	[ "$(jq -r .schemaVersion "$lay/index.json")" = 2 ]
	[ "$(jq -r .mediaType "$lay/index.json")" = application/vnd.oci.image.index.v1+json ]
	[ "$(jq -r '.manifests[0].mediaType' "$lay/index.json")" = application/vnd.oci.image.manifest.v1+json ]
	[ "$(jq -c '.manifests[0].platform' "$lay/index.json")" = '{"architecture":"amd64","os":"linux"}' ]
	[ "$(jq -r .mediaType "$manifest")" = application/vnd.oci.image.manifest.v1+json ]
	[ "$(jq -r .config.mediaType "$manifest")" = application/vnd.oci.image.config.v1+json ]
	[ "$(jq -r '.layers[0].mediaType' "$manifest")" = application/vnd.oci.image.layer.v1.tar+gzip ]
	# Nothing else in blobs/.
	[ "$(ls "$lay/blobs/sha256" | wc -l)" -eq 3 ]
}

@test "skopeo reads the archive: the digest, the labels, amd64/linux, one layer" {
	need skopeo
	need jq
	oci "$BATS_TEST_TMPDIR/hello.tar"
	run skopeo inspect "oci-archive:$BATS_TEST_TMPDIR/hello.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .Digest <<<"$output")" = "$(jq -r '.manifests[0].digest' "$lay/index.json")" ]
	[ "$(jq -c .Labels <<<"$output")" = "${LABELS/ABI/$(abi)}" ]
	[ "$(jq -r '.Architecture + "/" + .Os' <<<"$output")" = amd64/linux ]
	[ "$(jq -r '.Layers | length' <<<"$output")" -eq 1 ]
}

@test "umoci unpacks it by its tag: the root file system is /tincan.tc alone, hello's bytes, 0555, owned by 0:0" {
	need umoci
	[ "$(id -u)" -eq 0 ] || skip "umoci unpack keeps owners only as root"
	oci "$BATS_TEST_TMPDIR/hello.tar"
	run umoci unpack --image "$lay:latest" "$BATS_TEST_TMPDIR/bundle"
	echo "$output"
	[ "$status" -eq 0 ]
	local fs=$BATS_TEST_TMPDIR/bundle/rootfs
	[ "$(ls -A "$fs")" = tincan.tc ]
	cmp "$HELLO" "$fs/tincan.tc"
	[ "$(stat -c '%a %u:%g %F' "$fs/tincan.tc")" = "555 0:0 regular file" ]
	need jq
	[ "$(jq -c .process.args "$BATS_TEST_TMPDIR/bundle/config.json")" = '["/tincan.tc"]' ]
}

@test "the layer holds exactly tincan.tc (hello's bytes, 0555, 0:0, mtime 0), gzip'd without name or time; diff_id is the tar's digest" {
	oci "$BATS_TEST_TMPDIR/hello.tar"
	blobs
	run tar --numeric-owner --full-time -tvzf "$layer"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output =~ ^-r-xr-xr-x\ 0/0\ +$(stat -c %s "$HELLO")\ 1970-01-01\ 00:00:00\ tincan\.tc$ ]]
	cmp "$HELLO" <(tar -xzOf "$layer" tincan.tc)
	# gzip: flags 0 (no file name), mtime 0.
	[ "$(od -An -tx1 -N8 "$layer" | tr -d ' ')" = 1f8b080000000000 ]
	[ "$(jq -r '.rootfs.diff_ids | join(" ")' "$config")" = "sha256:$(gzip -dc "$layer" | sha256sum | cut -c1-64)" ]
	[ "$(jq -r .rootfs.type "$config")" = layers ]
}

@test "the config: Entrypoint /tincan.tc, Cmd [], linux/amd64, the labels; the manifest carries the same annotations" {
	oci "$BATS_TEST_TMPDIR/hello.tar"
	blobs
	[ "$(jq -c .config.Entrypoint "$config")" = '["/tincan.tc"]' ]
	[ "$(jq -c .config.Cmd "$config")" = '[]' ]
	[ "$(jq -r '.architecture + "/" + .os' "$config")" = amd64/linux ]
	local want=${LABELS/ABI/$(abi)}
	[ -n "$(abi)" ]
	[ "$(jq -c .config.Labels "$config")" = "$want" ]
	[ "$(jq -c .annotations "$manifest")" = "$want" ]
	# No date: nothing that differs between runs.
	[ "$(jq -r 'has("created")' "$config")" = false ]
}

@test "reproducible: another run (another file name and date, umask, relative paths, a TMPDIR with \\ and a newline) gives the same bytes" {
	oci "$BATS_TEST_TMPDIR/one.tar"
	local tmp=$'tmp\\x\ny'
	mkdir "$BATS_TEST_TMPDIR/other" "$BATS_TEST_TMPDIR/$tmp"
	cp "$HELLO" "$BATS_TEST_TMPDIR/other/copy.tc"
	touch -d '2001-02-03 04:05' "$BATS_TEST_TMPDIR/other/copy.tc"
	chmod 0600 "$BATS_TEST_TMPDIR/other/copy.tc"
	(cd "$BATS_TEST_TMPDIR" && umask 077 && TMPDIR=$tmp "$MK" --oci=two.tar --name=hello other/copy.tc)
	cmp "$BATS_TEST_TMPDIR/one.tar" "$BATS_TEST_TMPDIR/two.tar"
	# The staging directory is gone; OUT has the umask's mode.
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/$tmp")" ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/two.tar")" = 600 ]
	# The outer tar: fixed owners, times and modes too.
	run tar --numeric-owner --full-time -tvf "$BATS_TEST_TMPDIR/two.tar"
	echo "$output"
	[ "$(grep -vc ' 0/0 .* 1970-01-01 00:00:00 ' <<<"$output")" -eq 0 ]
	[ "$(grep -c '^drwxr-xr-x ' <<<"$output")" -eq 2 ]
	[ "$(grep -c '^-rw-r--r-- ' <<<"$output")" -eq 5 ]
	# A different name is a different index, the same manifest.
	oci "$BATS_TEST_TMPDIR/three.tar" --name=other "$HELLO"
	! cmp -s "$BATS_TEST_TMPDIR/one.tar" "$BATS_TEST_TMPDIR/three.tar"
}

@test "the name: --name=REF, else the manifest's name, else the file's without .tc, normalised as docker does" {
	need jq
	oci "$BATS_TEST_TMPDIR/a.tar"
	[ "$(ref_of)" = "docker.io/library/hello:latest latest" ]
	cp "$HELLO" "$BATS_TEST_TMPDIR/web-app.tc"
	oci "$BATS_TEST_TMPDIR/b.tar" "$BATS_TEST_TMPDIR/web-app.tc"
	[ "$(ref_of)" = "docker.io/library/web-app:latest latest" ]
	"$MK" --name=greeter "$BATS_TEST_TMPDIR/web-app.tc"
	oci "$BATS_TEST_TMPDIR/c.tar" "$BATS_TEST_TMPDIR/web-app.tc"
	[ "$(ref_of)" = "docker.io/library/greeter:latest latest" ]
	local pair
	for pair in "hello:v1=docker.io/library/hello:v1" "me/hello=docker.io/me/hello:latest" \
		"ghcr.io/me/hello:1.2=ghcr.io/me/hello:1.2" "localhost/hello=localhost/hello:latest" \
		"localhost:5000/a/b_c__d:_x=localhost:5000/a/b_c__d:_x" "index.docker.io/x=docker.io/library/x:latest" \
		"a.b--c/d.e:Tag-1=a.b--c/d.e:Tag-1"; do
		oci "$BATS_TEST_TMPDIR/d.tar" --name="${pair%%=*}" "$HELLO"
		[ "$(ref_of)" = "${pair#*=} $(sed 's/.*://' <<<"${pair#*=}")" ] || { echo "$pair: $(ref_of)"; return 1; }
	done
	# A manifest name docker would not take asks for --name.
	"$MK" --name=Greeter "$BATS_TEST_TMPDIR/web-app.tc"
	run "$MK" --oci="$BATS_TEST_TMPDIR/e.tar" "$BATS_TEST_TMPDIR/web-app.tc"
	echo "$output"
	[ "$status" -eq 2 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *"lower case"*"--name=REF"* ]]
}

# refused STATUS MESSAGE OUT MKIMAGE-ARGS...: one line with MESSAGE, that
# status, and neither OUT nor a temporary file beside it nor a staging
# directory.
refused() {
	local want=$1 msg=$2 out=$3
	shift 3
	mkdir -p "$BATS_TEST_TMPDIR/tmp"
	TMPDIR=$BATS_TEST_TMPDIR/tmp run "$MK" --oci="$out" "$@"
	echo "$output"
	[ "$status" -eq "$want" ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == "tincan-mkimage: "*"$msg"* ]]
	[ ! -e "$out" ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/tmp")" ]
	[ -z "$(ls -A "$(dirname "$out")" 2>/dev/null | grep -v '\.tc$\|^tmp$')" ]
}

@test "refused with one line, nothing written: a missing file, garbage, a pc image, an unwritable OUT, a bad REF" {
	local d=$BATS_TEST_TMPDIR/out
	mkdir "$d"
	refused 1 "No such file" "$d/x.tar" "$BATS_TEST_TMPDIR/missing.tc"
	head -c 5000 /dev/urandom >"$d/garbage.tc"
	refused 1 "garbage.tc: " "$d/x.tar" "$d/garbage.tc"
	refused 1 "not a regular file" "$d/x.tar" "$d"
	: >"$d/empty.tc"
	refused 1 "empty.tc: " "$d/x.tar" "$d/empty.tc"
	refused 1 "cannot create" "$d/missing-dir/x.tar" "$HELLO"
	local ref
	for ref in "" Hello "hello:" "hello:-x" "hello@sha256:$(printf %064d 0)" "a//b" "a/b/" "/a" "a..b" "-a" "a-" \
		"host:port/a" "ho_st.io/a" "a:b:c" "$(printf %064x 1)" "x:$(printf %0129d 0)" "a/$(printf %0260d 0)" \
		$'a\nb' "a b" $'caf\xc3\xa9'; do
		refused 2 "--name: " "$d/x.tar" --name="$ref" "$HELLO" || { echo "REF '$ref' was taken"; return 1; }
	done
	# With other options, or with --iso: a command-line error.
	refused 2 "changes no manifest" "$d/x.tar" --mem=4M "$HELLO"
	refused 2 "together" "$d/x.tar" --iso="$d/x.iso" "$HELLO"
	# OUT is IMAGE (another name for it): refused, the image unchanged.
	cp "$HELLO" "$d/self.tc"
	ln -s self.tc "$d/link.tc"
	run "$MK" --oci="$d/link.tc" "$d/self.tc"
	echo "$output"
	[ "$status" -eq 2 ]
	[[ $output == *"would replace the image"* ]]
	cmp "$HELLO" "$d/self.tc"
	rm "$d/self.tc" "$d/link.tc"
	[ -f "$B/tests/pc_mb2.elf" ] || skip "no pc image (make test builds $B/tests/pc_mb2.elf)"
	refused 1 "linked for the pc platform" "$d/x.tar" "$B/tests/pc_mb2.elf"
}

@test "a failed run leaves an older OUT as it was" {
	echo old >"$BATS_TEST_TMPDIR/keep.tar"
	run "$MK" --oci="$BATS_TEST_TMPDIR/keep.tar" "$BATS_TEST_TMPDIR/missing.tc"
	[ "$status" -eq 1 ]
	[ "$(cat "$BATS_TEST_TMPDIR/keep.tar")" = old ]
	# A failing tool: gzip that is not there.
	mkdir "$BATS_TEST_TMPDIR/bin"
	ln -s "$(command -v tar)" "$BATS_TEST_TMPDIR/bin/tar"
	ln -s "$(command -v sha256sum)" "$BATS_TEST_TMPDIR/bin/sha256sum"
	mkdir "$BATS_TEST_TMPDIR/tmp"
	PATH=$BATS_TEST_TMPDIR/bin TMPDIR=$BATS_TEST_TMPDIR/tmp run "$MK" --oci="$BATS_TEST_TMPDIR/keep.tar" "$HELLO"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ $output == *"needs gzip"* ]]
	[ "$(cat "$BATS_TEST_TMPDIR/keep.tar")" = old ]
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/tmp")" ]
	[ "$(ls "$BATS_TEST_TMPDIR" | grep -c keep)" -eq 1 ]
}

# ---- a private containerd (no systemd here): everything under one
# temporary directory, its own socket, namespace and teardown.
CTD_NS=tincan-ociimage-$$
. "$TESTS/ctd.bash"

ctd_start() {
	need containerd
	need ctr containerd
	[ "$(id -u)" -eq 0 ] || skip "containerd runs as root"
	ctd=$(mktemp -d /tmp/tincan-ociimage-ctd.XXXXXX)
	ctd_launch "$ctd" "$ctd/log"
}

teardown() {
	ctd_halt "${ctd:-}" "$CTD_NS"
}

@test "ctr images import (a private containerd) names the image REF; a container of it runs /tincan.tc with the labels" {
	ctd_start
	local ctr=(ctr -a "$ctd/c.sock" -n "$CTD_NS")
	oci "$BATS_TEST_TMPDIR/hello.tar"
	oci "$BATS_TEST_TMPDIR/named.tar" --name=registry.example:5000/tincan/hello:v1 "$HELLO"
	run "${ctr[@]}" images import "$BATS_TEST_TMPDIR/hello.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	run "${ctr[@]}" images import "$BATS_TEST_TMPDIR/named.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	run "${ctr[@]}" images ls -q
	echo "$output"
	[ "$output" = $'docker.io/library/hello:latest\nregistry.example:5000/tincan/hello:v1' ]
	run "${ctr[@]}" images check
	echo "$output"
	[ "$(grep -c 'complete (2/2).* true *$' <<<"$output")" -eq 2 ]
	need jq
	run "${ctr[@]}" containers create docker.io/library/hello:latest "c$$"
	[ "$status" -eq 0 ]
	run "${ctr[@]}" containers info "c$$"
	[ "$status" -eq 0 ]
	[ "$(jq -c .Spec.process.args <<<"$output")" = '["/tincan.tc"]' ]
	[ "$(jq -r '.Labels."org.tincan.image" + " " + .Labels."com.urunc.unikernel.unikernelType"' <<<"$output")" = \
		"/tincan.tc tincan" ]
	"${ctr[@]}" containers rm "c$$"
}

@test "the imported image runs: ctr run --runc-binary=tincan-oci boots /tincan.tc with the arguments" {
	[ -x "$B/bin/tincan-oci" ] || skip "no $B/bin/tincan-oci (make builds it)"
	need_platform
	ctd_start
	local ctr=(ctr -a "$ctd/c.sock" -n "$CTD_NS")
	oci "$BATS_TEST_TMPDIR/hello.tar"
	"${ctr[@]}" images import "$BATS_TEST_TMPDIR/hello.tar" >/dev/null
	run timeout 60 "${ctr[@]}" run --rm --runc-binary="$B/bin/tincan-oci" --device /dev/kvm \
		docker.io/library/hello:latest "r$$" one 'two words'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"Hello from tincan!"* ]]
	grep -qx 'argv\[1\] = "one"' <<<"$output"
	grep -qx 'argv\[2\] = "two words"' <<<"$output"
	run "${ctr[@]}" containers ls -q
	[ -z "$output" ]
}
