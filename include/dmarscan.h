/*
 * dmarscan.h - public API of libdmarscan.
 *
 * libdmarscan reads a Windows SYSTEM registry hive offline and tells, for
 * every PCI device, what the registry says about DMA remapping (Kernel DMA
 * Protection) and which DEVPKEY_Device_DmaRemappingPolicy Windows would
 * compute from it, under the rules before Windows 11 24H2 and from 24H2 on.
 * It then raises findings (rule ids are stable, see dmar_rule_catalogue()).
 *
 * Data flows one way: bytes -> dmar_hive -> dmar_report (records, policy,
 * findings).  The library never prints, never exits and never writes: a
 * hive is opened read-only and copied into memory.
 *
 * Conventions (after libgit2): functions return 0 on success and a negative
 * DMAR_E* code on failure; outputs come back through the first parameter;
 * on failure *err, when err is not NULL, receives an error the caller frees
 * with dmar_error_free().  Every pointer inside a dmar_report is owned by
 * the report and lives until dmar_report_free().
 */
#ifndef DMARSCAN_H
#define DMARSCAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(DMAR_BUILDING_LIBRARY) && defined(__GNUC__)
#define DMAR_EXTERN __attribute__((visibility("default")))
#else
#define DMAR_EXTERN
#endif

/* ---- Errors ------------------------------------------------------------ */

enum {
	DMAR_OK = 0,
	DMAR_ENOMEM = -1,     /* out of memory */
	DMAR_EIO = -2,        /* the file could not be read */
	DMAR_EFORMAT = -3,    /* not a registry hive, or damaged beyond use */
	DMAR_ENOTFOUND = -4,  /* a requested key (e.g. a control set) is absent */
	DMAR_EINVAL = -5      /* bad argument */
};

typedef struct dmar_error {
	int code;        /* one of DMAR_E* */
	char *message;   /* one line, no trailing newline */
} dmar_error;

DMAR_EXTERN void dmar_error_free(dmar_error *err);

/* Version of the library ("0.1.0") and of the libraries it runs with
 * ("libregf 20201007, libbfio 20170123, libfwnt 20181227, OpenSSL 3.0.19 ..."). */
DMAR_EXTERN const char *dmar_version(void);
DMAR_EXTERN const char *dmar_libregf_version(void);
DMAR_EXTERN const char *dmar_dependency_versions(void);

/* ---- Enumerations -------------------------------------------------------- */

/* Rule generations: how Windows combines the registry values. */
typedef enum dmar_generation {
	DMAR_GEN_PRE_24H2 = 0,   /* per-driver DmaRemappingCompatible only */
	DMAR_GEN_24H2 = 1,       /* per-device DMA Management first */
	DMAR_GEN_COUNT = 2
} dmar_generation;

#define DMAR_GEN_BIT(g) (1u << (g))
#define DMAR_GEN_ALL (DMAR_GEN_BIT(DMAR_GEN_PRE_24H2) | DMAR_GEN_BIT(DMAR_GEN_24H2))

/* Which generation(s) the findings use. */
typedef enum dmar_rules {
	DMAR_RULES_AUTO = 0,     /* from the OS build when known, else both */
	DMAR_RULES_PRE_24H2,
	DMAR_RULES_24H2,
	DMAR_RULES_BOTH
} dmar_rules;

typedef enum dmar_severity {
	DMAR_SEV_INFO = 0,
	DMAR_SEV_LOW,
	DMAR_SEV_MEDIUM,
	DMAR_SEV_HIGH
} dmar_severity;

/* A driver's opt-in level, from its DmaRemappingCompatible value. */
typedef enum dmar_level {
	DMAR_LEVEL_NONE = 0,      /* absent or invalid: no directive */
	DMAR_LEVEL_OPT_OUT,       /* 0 */
	DMAR_LEVEL_OPT_IN,        /* 1 or 3 (or 2 promoted by Driver Verifier) */
	DMAR_LEVEL_CONDITIONAL    /* 2: only if external or DMA-verified */
} dmar_level;

/* Where a driver sits in a device's stack, in load order. */
typedef enum dmar_role {
	DMAR_ROLE_LOWER_FILTER = 0,    /* device LowerFilters */
	DMAR_ROLE_CLASS_LOWER_FILTER,  /* Control\Class\{guid} LowerFilters */
	DMAR_ROLE_SERVICE,             /* the function driver */
	DMAR_ROLE_UPPER_FILTER,        /* device UpperFilters */
	DMAR_ROLE_CLASS_UPPER_FILTER   /* Control\Class\{guid} UpperFilters */
} dmar_role;

typedef enum dmar_exposure_verdict {
	DMAR_EXPOSURE_UNKNOWN = 0,
	DMAR_EXPOSURE_INTERNAL,
	DMAR_EXPOSURE_LIKELY_EXTERNAL,
	DMAR_EXPOSURE_EXTERNAL
} dmar_exposure_verdict;

/* What to assume for devices whose exposure is unknown. */
typedef enum dmar_assume {
	DMAR_ASSUME_NOTHING = 0,
	DMAR_ASSUME_EXTERNAL,
	DMAR_ASSUME_INTERNAL
} dmar_assume;

/* Policy values (DEVPKEY_Device_DmaRemappingPolicy). */
enum {
	DMAR_POLICY_NOT_ENFORCED = 0,   /* no directive: remapping not enforced */
	DMAR_POLICY_OPTED_OUT = 1,      /* a driver of the device opted out */
	DMAR_POLICY_ENFORCED = 2        /* remapping capable / enforced */
};

/* Registry value types used in reports. */
enum {
	DMAR_REG_NONE = 0, DMAR_REG_SZ = 1, DMAR_REG_EXPAND_SZ = 2,
	DMAR_REG_BINARY = 3, DMAR_REG_DWORD = 4, DMAR_REG_DWORD_BIG_ENDIAN = 5,
	DMAR_REG_LINK = 6, DMAR_REG_MULTI_SZ = 7, DMAR_REG_QWORD = 11
};

DMAR_EXTERN const char *dmar_generation_name(dmar_generation g);  /* "pre-24h2" */
DMAR_EXTERN const char *dmar_severity_name(dmar_severity s);      /* "high" */
DMAR_EXTERN const char *dmar_level_name(dmar_level l);            /* "opt_out" */
DMAR_EXTERN const char *dmar_role_name(dmar_role r);              /* "lower_filter" */
DMAR_EXTERN const char *dmar_exposure_name(dmar_exposure_verdict v);
DMAR_EXTERN const char *dmar_reg_type_name(uint32_t type);  /* "REG_DWORD",
                                                               NULL if unnamed */
/* Parse the names above back; return 0 or DMAR_EINVAL. */
DMAR_EXTERN int dmar_severity_parse(const char *name, dmar_severity *out);

/* ---- The policy engine: the kernel's rules as pure functions ------------ */

/*
 * A registry value as found, and whether the kernel would use it.  The
 * kernel reads a policy value only when it is REG_DWORD with exactly four
 * bytes of data and holds a number defined for that value; anything else
 * counts as absent ("ignored"), which the report flags.
 */
typedef struct dmar_value {
	int present;          /* the value exists */
	uint32_t type;        /* registry type, DMAR_REG_* or any other number */
	uint32_t size;        /* data size in bytes */
	int is_dword;         /* type REG_DWORD and size 4: 'dword' is meaningful */
	uint32_t dword;       /* the number, when is_dword */
	int valid;            /* the kernel uses it (is_dword and a defined number) */
	int unreadable;       /* present, but its data could not be read */
	const char *path;     /* registry path of the value, for evidence */
	const char *display;  /* the data rendered for people: "0x00000000 (0)",
	                         "REG_SZ \"1\"", "REG_BINARY 2 bytes 01 00" */
} dmar_value;

/* Present but not used by the kernel: the INF or the tamperer got it wrong.
 * (A value whose data could not be read is a read problem, not this.) */
#define DMAR_VALUE_IGNORED(v) ((v)->present && !(v)->valid && !(v)->unreadable)

/* Which numbers each policy value defines. */
typedef enum dmar_value_kind {
	DMAR_VALUE_DMA_REMAPPING_COMPATIBLE,  /* 0..3 */
	DMAR_VALUE_REMAPPING_SUPPORTED,       /* 0..1 */
	DMAR_VALUE_REMAPPING_FLAGS,           /* any number; bit 0 is used */
	DMAR_VALUE_PLAIN_DWORD                /* any number (Selfhost, OnHiberPath) */
} dmar_value_kind;

/* Fill is_dword, dword and valid from type, size and the raw data. */
DMAR_EXTERN void dmar_value_judge(dmar_value *v, dmar_value_kind kind,
                                  const uint8_t *data, size_t size);

/* Level of one driver: DmaRemappingCompatible 0 -> opt-out, 1 or 3 -> opt-in,
 * 2 -> conditional (opt-in when 'verified'), absent or invalid -> none. */
DMAR_EXTERN dmar_level dmar_level_from_compatible(const dmar_value *compatible,
                                                  int verified);

/* Combine a stack of levels, in the kernel's order: any opt-out -> 1; else any
 * conditional -> 2 if external else 0; else any opt-in -> 2; else 0. */
DMAR_EXTERN int dmar_policy_combine(const dmar_level *levels, size_t n,
                                    int external);

/* The 24H2 per-device decision.  Returns 1 and sets *policy when
 * RemappingSupported is valid (it then decides alone), 0 when the per-driver
 * rules apply.  'verified': DMA verification applies to the device. */
DMAR_EXTERN int dmar_policy_device_24h2(const dmar_value *remapping_supported,
                                        const dmar_value *remapping_flags,
                                        int external, int verified,
                                        int *policy);

/* The whole prediction for one generation. */
DMAR_EXTERN int dmar_policy_predict(dmar_generation gen,
                                    const dmar_level *levels, size_t n,
                                    const dmar_value *remapping_supported,
                                    const dmar_value *remapping_flags,
                                    int external, int verified,
                                    int *decided_by_device);

/* ---- Hives ----------------------------------------------------------------- */

typedef struct dmar_hive dmar_hive;

/* A transaction log found beside a hive, and what replaying it did. */
typedef struct dmar_log_info {
	const char *path;
	char sha256[65];
	uint64_t size;
	const char *format;          /* "new" (log entries), "old" (dirty
	                                vector) or "unknown" */
	uint32_t entries;            /* valid entries read (new format) */
	uint32_t first_seq, last_seq;   /* sequence numbers of those entries */
	uint32_t entries_applied;
	uint32_t pages_applied;      /* 4096-byte pages written to the image */
	int applied;                 /* something of it was replayed */
	const char *problem;         /* why it was skipped or cut short */
	int damaged;                 /* the problem is damage or a mismatch
	                                (not "not needed") */
} dmar_log_info;

typedef struct dmar_hive_info {
	const char *path;            /* as given */
	uint64_t size;               /* file size in bytes */
	char sha256[65];             /* of the file as read, lower-case hex */
	uint32_t seq_primary;        /* base block sequence numbers */
	uint32_t seq_secondary;
	int dirty;                   /* seq_primary != seq_secondary */
	uint32_t version_major;      /* format version, 1.x */
	uint32_t version_minor;
	uint64_t last_written;       /* base block timestamp (FILETIME) */
	int checksum_ok;             /* base block checksum matches */
	uint32_t hbins_size;         /* hive bins data size the base block declares */
	const char *embedded_name;   /* file name kept in the base block, or "" */
	/* Transaction logs (the fields above describe the primary file as read;
	 * the analysed image is the primary with its logs replayed). */
	int logs_searched;           /* 0 with no_logs */
	size_t n_logs;
	const dmar_log_info *logs;
	int recovered;               /* log data was replayed into the image */
	uint32_t recovered_pages;    /* 4096-byte pages written by the replay */
	uint32_t recovered_first_seq, recovered_last_seq;
	int recovered_base_block;    /* the primary's base block was damaged and
	                                replaced by a log's copy */
	char recovered_sha256[65];   /* of the replayed image ("" if none): what
	                                --save-recovered writes */
	uint64_t recovered_size;     /* its size in bytes */
	uint32_t guarded_cells;      /* counts in key and list cells larger than
	                                their lists, lowered in the analysed
	                                copy (a damaged or hostile hive) */
	const char *guarded_first;   /* the first of them, NULL when none */
	uint32_t unsound_bin_pages;  /* 4 KiB pages of the hive bins outside any
	                                hive bin with a sound header (zeroed,
	                                overwritten or carved): not read */
} dmar_hive_info;

/* Open a hive file read-only and load it into memory; when it is dirty,
 * replay its transaction logs (NAME.LOG, NAME.LOG1, NAME.LOG2 beside it,
 * any case) into the in-memory image.  Fails with DMAR_EFORMAT (and a
 * message naming the problem) when the file is empty, has no regf
 * signature, is truncated or libregf cannot open it.  Neither the hive nor
 * its logs are ever written. */
DMAR_EXTERN int dmar_hive_open(dmar_hive **out, const char *path,
                               dmar_error **err);

/* How keys and values are read: dmarscan's own cell reader (the default,
 * fast, allocation-free per key) or libyal's libregf (a second, independent
 * opinion; slower). */
typedef enum dmar_engine {
	DMAR_ENGINE_NATIVE = 0,
	DMAR_ENGINE_LIBREGF = 1
} dmar_engine;

typedef struct dmar_open_options {
	int no_logs;                 /* do not look for or replay logs */
	dmar_engine engine;          /* DMAR_ENGINE_NATIVE unless set */
	int one_thread;              /* compute the sha256 in the calling
	                                thread; by default a large hive's is
	                                computed by a second thread beside the
	                                analysis (set it when every core
	                                already runs an analysis of its own) */
	int no_map;                  /* read the file into a heap buffer
	                                rather than map it (a large regular
	                                file is mapped copy-on-write; a mapped
	                                file that another program truncates
	                                during the analysis raises SIGBUS).
	                                Also for several opens at once in
	                                threads of one process: they contend
	                                for the page-table work of mapping,
	                                while heap buffers an allocator keeps
	                                serve hive after hive */
} dmar_open_options;

DMAR_EXTERN int dmar_hive_open_with(dmar_hive **out, const char *path,
                                    const dmar_open_options *opts,
                                    dmar_error **err);

/* Write the analysed image (the primary with its logs replayed) to a new
 * file, for other tools.  Never replaces an existing file (and says so
 * when the path is the hive or one of its logs); a file it could not write
 * in full is removed. */
DMAR_EXTERN int dmar_hive_save(const dmar_hive *hive, const char *path,
                               dmar_error **err);
/* The same from bytes already in memory (copied); 'label' names it.  No
 * transaction log is looked for (see dmar_hive_open_memory). */
DMAR_EXTERN int dmar_hive_open_buffer(dmar_hive **out, const char *label,
                                      const void *data, size_t size,
                                      dmar_error **err);

/* The largest hive file and transaction log that are read: hive bins are
 * addressed with 32-bit offsets after the 4096-byte base block. */
#define DMAR_HIVE_MAX_SIZE ((uint64_t)UINT32_MAX + 4096u)
#define DMAR_LOG_MAX_SIZE (1024ull * 1024 * 1024)

/* A file held in memory: a hive or a transaction log read out of a disk
 * image, say.  'label' names it in the report (the hive's path, the logs'
 * paths), so a location such as "disk.E01:/p2/Windows/System32/config/SYSTEM"
 * tells where it was read. */
typedef struct dmar_memory_file {
	const char *label;
	const void *data;
	size_t size;
} dmar_memory_file;

/* Open a hive held in memory together with its transaction logs, also in
 * memory: the same checks, the same replay and the same report as
 * dmar_hive_open_with() gives a hive file and the logs beside it.  Each
 * log's label ends in its kind, as a log's name does: ".LOG1", ".LOG2" or
 * ".LOG" (any case), at most one of each (else DMAR_EINVAL).  n_logs may
 * be 0 (no log found: a dirty hive is then reported HIVE-DIRTY); with
 * opts->no_logs the logs are not used.  The bytes are copied or only read
 * during the call: the caller's buffers may be freed after it.  A hive
 * larger than DMAR_HIVE_MAX_SIZE fails with DMAR_EFORMAT, a larger log is
 * reported as unusable. */
DMAR_EXTERN int dmar_hive_open_memory(dmar_hive **out,
                                      const dmar_memory_file *hive,
                                      const dmar_memory_file *logs,
                                      size_t n_logs,
                                      const dmar_open_options *opts,
                                      dmar_error **err);
DMAR_EXTERN const dmar_hive_info *dmar_hive_get_info(const dmar_hive *hive);
DMAR_EXTERN void dmar_hive_free(dmar_hive *hive);

/* ---- Scanning -------------------------------------------------------------- */

#define DMAR_CONTROL_SET_CURRENT 0    /* the one \Select\Current names */
#define DMAR_CONTROL_SET_ALL (-1)     /* every ControlSetNNN, current first */

/* Data tables users can extend: the PCI identities of Thunderbolt / USB4
 * host routers, tunnel root ports and controller bridges that tell which
 * devices sit on external ports (data/external-ports.ids, built in).
 * Create once, add the user's files, pass in dmar_options.tables; one
 * table may serve many scans, also from several threads.  A report holds
 * copies of what it takes from the tables: they may be freed before it. */
typedef struct dmar_tables dmar_tables;

DMAR_EXTERN int dmar_tables_new(dmar_tables **out, dmar_error **err);
/* Add the entries of a file in the same format (later entries win).
 * Fails with "FILE:LINE: problem" on a bad line, adding nothing. */
DMAR_EXTERN int dmar_tables_add_port_ids(dmar_tables *tables, const char *path,
                                         dmar_error **err);
/* The same for DMA attack hardware identities (data/attack-hardware.ids:
 * MATCH SEVERITY FAMILY DESCRIPTION). */
DMAR_EXTERN int dmar_tables_add_attack_ids(dmar_tables *tables, const char *path,
                                           dmar_error **err);
DMAR_EXTERN void dmar_tables_free(dmar_tables *tables);

typedef struct dmar_options {
	int control_set;        /* DMAR_CONTROL_SET_CURRENT, _ALL or 1..999 */
	dmar_rules rules;       /* generation(s) the findings use */
	dmar_assume assume;     /* for devices of unknown exposure */
	const dmar_tables *tables;  /* NULL: the built-in tables */
	dmar_hive *software;    /* the matching SOFTWARE hive, or NULL */
	uint32_t max_keys;      /* keys read from the hive at most; 0: the
	                           built-in 4,000,000 (HIVE-LIMIT when reached) */
	uint32_t max_values;    /* values read at most; 0: 16,000,000 */
} dmar_options;

DMAR_EXTERN void dmar_options_init(dmar_options *opts);

/* A value a driver package declares (\DriverDatabase): what its INF writes
 * when it is installed, to Services\<svc>\Parameters or to a device's
 * Device Parameters\DMA Management. */
typedef struct dmar_declared_value {
	const char *package;           /* DriverPackages\<package> */
	const char *inf;               /* the INF it is the active package of */
	const char *configuration;     /* Configurations\<name> (INF section) */
	const char *service;           /* NULL for a DMA Management value */
	const char *name;              /* the value name */
	const char *key_path;          /* the declaring key */
	uint64_t last_written;         /* FILETIME of that key */
	dmar_value value;              /* .path names the value */
} dmar_declared_value;

/* Device -> Control\Class\{guid}\NNNN -> INF -> active package ->
 * configuration: where a device's values should come from. */
typedef struct dmar_package_chain {
	int checked;                   /* the hive has a DriverDatabase */
	const char *driver_key_path;   /* ControlSet001\Control\Class\{guid}\0003 */
	const char *inf;               /* InfPath ("oem12.inf") */
	const char *section;           /* InfSection */
	const char *provider;          /* ProviderName */
	const char *version;           /* DriverVersion */
	const char *package;           /* DriverInfFiles\<inf>\Active */
	const char *configuration_path;/* DriverDatabase\...\Configurations\<section> */
	const char *problem;           /* where the chain stops, or NULL */
	size_t n_declared;             /* the DMA values the configuration declares */
	const dmar_declared_value *declared;
} dmar_package_chain;

/* A driver (service) as the control set holds it. */
typedef struct dmar_driver {
	const char *name;              /* service name as the stack lists it */
	int service_present;           /* Services\<name> exists */
	const char *service_path;      /* ControlSet001\Services\<name> */
	const char *parameters_path;   /* ...\Parameters */
	uint64_t parameters_last_written;  /* FILETIME, 0 when the key is absent */
	dmar_value compatible;         /* Parameters\DmaRemappingCompatible */
	dmar_value compatible_selfhost;/* Parameters\DmaRemappingCompatibleSelfhost */
	dmar_value on_hiber_path;      /* Parameters\DmaRemappingOnHiberPath */
	const char *image_name;        /* image file name, lower case ("pci.sys") */
	int verified;                  /* Driver Verifier DMA checking targets it */
	dmar_level level;              /* after verifier promotion */
	size_t n_devices;              /* PCI devices whose stack holds it */
	size_t n_declared;             /* DmaRemappingCompatible as the active */
	const dmar_declared_value *declared;   /* driver packages declare it */
} dmar_driver;

typedef struct dmar_stack_entry {
	dmar_role role;
	const dmar_driver *driver;
	const char *source;            /* the value that puts it there:
	                                  ...\LowerFilters, ...\Service */
} dmar_stack_entry;

/* Device Parameters\DMA Management of one device. */
typedef struct dmar_dma_management {
	int present;                   /* the key exists */
	const char *key_path;
	uint64_t last_written;         /* FILETIME of the key */
	dmar_value remapping_supported;
	dmar_value remapping_flags;
} dmar_dma_management;

typedef struct dmar_exposure {
	dmar_exposure_verdict verdict;
	dmar_assume assumed;           /* applied because the verdict is unknown */
	size_t n_evidence;
	const char **evidence;
} dmar_exposure;

typedef struct dmar_prediction {
	int policy;                    /* what Windows would compute */
	int if_internal;               /* the outcome were the device internal */
	int if_external;               /* ... or external */
	int decided_by_device;         /* 24H2: DMA Management decided alone */
} dmar_prediction;

/* PCI device type (DEVPKEY_PciDevice_DeviceType). */
enum {
	DMAR_PCI_TYPE_ROOT_PORT = 8,
	DMAR_PCI_TYPE_UPSTREAM_SWITCH_PORT = 9,
	DMAR_PCI_TYPE_DOWNSTREAM_SWITCH_PORT = 10
};

/* What the device's property store (Properties\{fmtid}\NNNN) records. */
typedef struct dmar_device_properties {
	const char *last_known_parent;      /* {83da6326-...},10 */
	int has_pci_device_type;
	uint32_t pci_device_type;           /* {3ab22e31-...},1 */
	int is_tunneled;                    /* {3ab22e31-...},47: -1 absent */
	const char *usb4_host_router;       /* {3ab22e31-...},44 */
	int has_usb_dvsec_port_type;
	uint32_t usb_dvsec_port_type;       /* {3ab22e31-...},41 */
	const char **location_paths;        /* {a45c254e-...},37 */
	size_t n_location_paths;
	const char *bios_device_name;       /* {540b947e-...},10 */
	int has_persisted_policy;
	uint32_t persisted_policy;          /* {83da6326-...},18 DmaRemappingPolicy */
	uint64_t install_date;              /* {83da6326-...},100..103 FILETIMEs */
} dmar_device_properties;

struct dmar_node;

typedef struct dmar_device {
	const char *instance_id;       /* PCI\VEN_..&DEV_..\<instance> */
	const char *key_path;          /* ControlSet001\Enum\PCI\... */
	uint64_t last_written;         /* FILETIME of the device key */
	char vendor_id[5];             /* upper-case hex, "" when unknown */
	char device_id[5];
	char subsystem_id[5];
	char subsystem_vendor_id[5];
	char revision[3];
	char class_code[7];            /* from CC_ compatible ids, "" when none */
	const char *description;       /* FriendlyName, else DeviceDesc text */
	const char *service;           /* NULL when absent */
	const char *class_guid;
	const char *class_name;        /* Control\Class\{guid} Class */
	const char *driver_key;        /* {guid}\NNNN under Control\Class */
	const char *container_id;
	const char *location;          /* LocationInformation text */
	const char *parent_id_prefix;
	int has_capabilities;
	uint32_t capabilities;
	uint32_t config_flags;
	int is_display;                /* display adapter class or class code 03 */
	dmar_dma_management dma;
	size_t n_stack;
	dmar_stack_entry *stack;       /* load order, see dmar_role */
	int verified;                  /* DMA verification applies to the device */
	dmar_exposure exposure;
	int treated_external;          /* exposure used for the prediction */
	dmar_prediction prediction[DMAR_GEN_COUNT];
	const char *parent;            /* parent instance id, NULL when unknown */
	const char *parent_source;     /* "LastKnownParent" or "ParentIdPrefix" */
	const struct dmar_node *node;  /* this device in the tree */
	dmar_device_properties properties;
	uint64_t first_install, last_arrival, last_removal;   /* FILETIME or 0 */
	dmar_package_chain package;    /* what its driver package declares */
} dmar_device;

/* A node of the device tree: a PCI device, or one of its ancestors from
 * another enumerator (ACPI root bridges, the root of the tree).  Parent
 * links come from LastKnownParent, else from ParentIdPrefix; chains that
 * break or loop are cut and the reason kept. */
typedef struct dmar_node {
	const char *instance_id;
	const char *description;
	const struct dmar_node *parent;   /* NULL for a root */
	const char *parent_id;            /* as recorded, even if not found */
	const char *parent_source;        /* "LastKnownParent", "ParentIdPrefix" */
	const char *parent_problem;       /* why the chain stops here, or NULL */
	const dmar_device *device;        /* NULL when not under Enum\PCI */
	const char *container_id;
	dmar_exposure_verdict verdict;
	const char *const *evidence;      /* why that verdict */
	size_t n_evidence;
	int depth;                        /* 0 for a root */
} dmar_node;

/* Driver Verifier settings (Control\Session Manager\Memory Management). */
typedef struct dmar_verifier {
	const char *key_path;
	dmar_value level;              /* VerifyDriverLevel */
	const char *drivers;           /* VerifyDrivers as written, or NULL */
	const char *drivers_path;
	int dma_checking;              /* level valid with bit 0x80 */
	int all_drivers;               /* VerifyDrivers is "*" */
} dmar_verifier;

/* Who may change a policy value: the security descriptor of the key that
 * holds it (or, where the key is absent, of the nearest key in which it
 * could be created). */
typedef struct dmar_principal {
	const char *sid;               /* "S-1-5-32-545" */
	const char *name;              /* "BUILTIN\Users", or NULL when not well known */
	uint32_t rights;               /* DMAR_RIGHT_* this principal holds */
	int administrative;            /* SYSTEM, Administrators, TrustedInstaller */
	int service;                   /* a service identity (LOCAL SERVICE,
	                                  NETWORK SERVICE, NT SERVICE\...) */
} dmar_principal;

enum {
	DMAR_RIGHT_SET_VALUE = 0x1,
	DMAR_RIGHT_CREATE_SUBKEY = 0x2,
	DMAR_RIGHT_WRITE_DAC = 0x4,
	DMAR_RIGHT_WRITE_OWNER = 0x8,
	DMAR_RIGHT_DELETE = 0x10
};

/* The name of one DMAR_RIGHT_* bit ("set_value", "create_subkey",
 * "write_dac", "write_owner", "delete"), NULL for any other value. */
DMAR_EXTERN const char *dmar_right_name(uint32_t right);

typedef struct dmar_key_acl {
	const char *path;              /* the key whose descriptor this is */
	const char *guards;            /* the value it protects: "...\Parameters\
	                                  DmaRemappingCompatible" */
	int holds_value;               /* the value's own key (else a parent in
	                                  which the key could be created) */
	const char *driver;            /* the driver whose value it guards, or */
	const char *instance_id;       /* the device's (the other is NULL) */
	const char *owner_sid, *owner_name;
	int no_dacl;                   /* no DACL: everyone has full access */
	size_t n_writers;
	const dmar_principal *writers; /* principals that can change the value */
	int weak;                      /* a non-administrative writer */
	const char *problem;           /* the descriptor could not be read */
} dmar_key_acl;

/* Control\DmaSecurity\AllowedBuses: buses an administrator declared safe. */
typedef struct dmar_allowed_bus {
	const char *name;              /* the value name */
	const char *value;             /* its data as text */
} dmar_allowed_bus;

typedef struct dmar_finding {
	const char *rule;              /* "DMAR-OPTOUT" */
	dmar_severity severity;
	const char *instance_id;       /* NULL for findings about no one device */
	const char *message;
	unsigned generations;          /* DMAR_GEN_BIT mask it holds under; 0 when
	                                  the rule does not depend on one */
	size_t n_evidence;
	const char **evidence;         /* registry paths and values */
} dmar_finding;

/* One control set as analysed. */
typedef struct dmar_control_set {
	const char *name;              /* "ControlSet001" */
	int number;
	int is_current;
	size_t n_devices;
	dmar_device *devices;
	size_t n_drivers;
	dmar_driver *drivers;          /* every driver in a stack, and every
	                                  service holding a DMA remapping value */
	dmar_verifier verifier;
	size_t n_nodes;
	dmar_node *nodes;              /* the tree: every device and its
	                                  ancestors, parents before children */
	int dma_remapping_aware;       /* some driver or device holds a DMA
	                                  remapping value: this Windows knows
	                                  DMA remapping (10 1803 and later) */
	size_t n_acls;
	dmar_key_acl *acls;            /* every key guarding a policy value */
	const char *allowed_buses_path;/* NULL when the key is absent */
	uint64_t allowed_buses_written;
	size_t n_allowed_buses;
	dmar_allowed_bus *allowed_buses;
	size_t n_findings;
	dmar_finding *findings;        /* hive-wide findings sit on the first set */
	const dmar_device **by_instance_id;   /* private: see dmar_find_device */
} dmar_control_set;

/* Context from the SOFTWARE hive (dmar_options.software). */
typedef struct dmar_software {
	int present;                   /* a SOFTWARE hive was given and read */
	const char *path;
	char sha256[65];
	int recovered;                 /* its transaction logs were replayed */
	const char *current_build;     /* CurrentBuild, "26100" */
	const char *display_version;   /* DisplayVersion (else ReleaseId) */
	const char *product_name;
	int has_ubr;
	uint32_t ubr;                  /* update build revision */
	dmar_value enumeration_gp;     /* Policies\...\Kernel DMA Protection\
	                                  DeviceEnumerationPolicy */
	dmar_value enumeration_mdm;    /* PolicyManager\...\DmaGuard\... */
	uint64_t enumeration_gp_written, enumeration_mdm_written;
	const char *error;             /* why it could not be read */
} dmar_software;

/* A device in the Enum\PCI history (any control set, present or not)
 * whose identity is a known DMA attack tool. */
typedef struct dmar_attack_match {
	const char *instance_id;
	const char *control_sets;      /* "ControlSet001, ControlSet002" */
	const char *key_path;          /* in the first of them */
	uint64_t last_written;
	uint64_t first_install, last_arrival, last_removal;
	const char *description;       /* DeviceDesc / FriendlyName */
	const char *identity;          /* the table entry's description */
	const char *family;            /* its tag */
	const char *source;            /* "built-in" or the file:line */
	dmar_severity severity;
} dmar_attack_match;

typedef struct dmar_report {
	dmar_hive_info hive;
	int select_current;            /* \Select\Current, 0 when unreadable */
	dmar_rules rules;              /* resolved: PRE_24H2, 24H2 or BOTH */
	const char *rules_reason;      /* why those rules */
	const char *os_build;          /* NULL when unknown */
	dmar_software software;
	int driver_database;           /* the hive has \DriverDatabase */
	size_t n_attack;
	dmar_attack_match *attack;
	size_t n_sets;
	dmar_control_set *sets;
	size_t n_warnings;
	const char **warnings;         /* oddities that did not stop the scan */
	size_t n_limits;
	const char **limits;           /* bounds on the work reached (a hostile
	                                  or huge hive): what was not read */
	const char *error;             /* what could not be read; NULL if all was */
	int not_system;                /* the error: no ControlSetNNN at all (a
	                                  SOFTWARE, NTUSER.DAT... hive) */
	struct dmar_arena *arena;      /* private */
} dmar_report;

/* Analyse a hive.  Returns 0 with a report; report->error says what could
 * not be read or analysed (an unreadable root key, an absent control set,
 * damaged keys), and whatever could be read is still reported.  Fails only
 * for a bad argument or when memory runs out. */
DMAR_EXTERN int dmar_scan(dmar_report **out, dmar_hive *hive,
                          const dmar_options *opts, dmar_error **err);
DMAR_EXTERN void dmar_report_free(dmar_report *report);

/* Helpers over a report.  The lookups take O(log n) and return NULL when
 * the set has no such device or driver (driver names compare as Windows
 * compares service names, ignoring case). */
DMAR_EXTERN const dmar_device *dmar_find_device(const dmar_control_set *set,
                                                const char *instance_id);
DMAR_EXTERN const dmar_driver *dmar_find_driver(const dmar_control_set *set,
                                                const char *name);
DMAR_EXTERN unsigned dmar_report_generations(const dmar_report *report);
DMAR_EXTERN size_t dmar_report_count_at_least(const dmar_report *report,
                                              dmar_severity min);

/* ---- Rule catalogue --------------------------------------------------------- */

typedef struct dmar_rule_info {
	const char *id;
	dmar_severity severity;        /* default severity */
	const char *summary;           /* when it fires */
	int checked;                   /* this version evaluates it */
} dmar_rule_info;

DMAR_EXTERN const dmar_rule_info *dmar_rule_catalogue(size_t *count);

/* FILETIME -> "2024-05-01T10:00:00Z" into buf (at least 21 bytes); returns
 * buf, or NULL for 0 or out-of-range times. */
DMAR_EXTERN const char *dmar_filetime_iso(uint64_t filetime, char *buf,
                                          size_t size);

#ifdef __cplusplus
}
#endif

#endif /* DMARSCAN_H */
