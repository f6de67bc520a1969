# Debian package: `cpack -G DEB` in a build directory (README "Install as a
# Debian package"). The install() rules below lay the package out;
# deploy/debian/ holds its maintainer scripts, man page, copyright, changelog
# and default config. A package meant for other machines should be built with
# -DSDX_MARCH=x86-64-v2 (or another baseline), not the default "native".

# `cpack` (and `make install`) take what is built, without building `all`
# first: the package needs the binary and packaging_docs only, not the tests
# and benches. Build before packaging.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(SDX_DEB_NAME stream-disconnect-exporter)  # Debian names allow no '_'
set(SDX_DEB_DIR ${CMAKE_SOURCE_DIR}/deploy/debian)
set(SDX_DOC_DIR share/doc/${SDX_DEB_NAME})

# The binary: install(TARGETS) in CMakeLists.txt puts it in bin (/usr/bin in the
# package). The unit starts /usr/bin/stream_disconnect_exporter with the config
# below: keep these paths in step with deploy/systemd/.
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/stream_disconnect_exporter.service
        DESTINATION /lib/systemd/system)
install(FILES ${SDX_DEB_DIR}/config.yaml DESTINATION /etc/stream_disconnect_exporter)

# Debian's hardening: resolve every symbol at start, so the GOT can be read-only
# (full RELRO; lintian's hardening-no-bindnow).
target_link_options(stream_disconnect_exporter PRIVATE -Wl,-z,relro,-z,now)

# Debian wants man pages and changelogs gzipped, without a timestamp (-n) so
# the package is reproducible.
set(SDX_GZ_DIR ${CMAKE_BINARY_DIR}/packaging)
find_program(SDX_GZIP gzip REQUIRED)
set(SDX_GZ_FILES)
foreach(pair "stream_disconnect_exporter.1:stream_disconnect_exporter.1.gz" "changelog:changelog.gz")
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 in)
  list(GET pair 1 out)
  add_custom_command(OUTPUT ${SDX_GZ_DIR}/${out}
                     COMMAND ${CMAKE_COMMAND} -E make_directory ${SDX_GZ_DIR}
                     COMMAND ${SDX_GZIP} -9 -n -c ${SDX_DEB_DIR}/${in} > ${SDX_GZ_DIR}/${out}
                     DEPENDS ${SDX_DEB_DIR}/${in} VERBATIM)
  list(APPEND SDX_GZ_FILES ${SDX_GZ_DIR}/${out})
endforeach()
add_custom_target(packaging_docs ALL DEPENDS ${SDX_GZ_FILES})
install(FILES ${SDX_GZ_DIR}/stream_disconnect_exporter.1.gz DESTINATION share/man/man1)
install(FILES ${SDX_GZ_DIR}/changelog.gz ${SDX_DEB_DIR}/copyright DESTINATION ${SDX_DOC_DIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ${SDX_DEB_NAME})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT
    "stream_disconnect_exporter maintainers <maintainers@stream-disconnect-exporter.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "Prometheus exporter for live-stream push interruptions")
# The extended description; CPack puts the summary above it as the synopsis.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "stream_disconnect_exporter reads Tencent Cloud Live push and interruption
callbacks (from logs, or posted to its own webhook) and the console's
disconnect records (from the Tencent Cloud API), classifies every disconnect
by its error code into a reason category (arrears, auth, banned, network
and more) and exposes per-category and per-code counters for Prometheus,
Grafana dashboards and alert rules.

The package runs it as a systemd service under its own system user, with
the configuration in /etc/stream_disconnect_exporter.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# postinst creates the user with adduser and enables the unit with
# deb-systemd-helper (init-system-helpers).
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, init-system-helpers (>= 1.52)")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${SDX_DEB_DIR}/conffiles ${SDX_DEB_DIR}/postinst ${SDX_DEB_DIR}/prerm ${SDX_DEB_DIR}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# RelWithDebInfo binaries carry debug info; a Debian binary package may not.
set(CPACK_STRIP_FILES ON)
set(CPACK_SOURCE_IGNORE_FILES "/build[^/]*/;/\\\\.git/")
include(CPack)
