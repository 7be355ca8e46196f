/*
 * options.c - parse the command line; --help, --version and --list-rules.
 */
#include "config.h"

#include "options.h"
#include "image.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#define EXIT_USAGE 2

static const char HELP[] =
"Usage: dmarscan [OPTIONS] HIVE|DIR|IMAGE ...\n"
"       dmarscan diff [OPTIONS] BASELINE SUSPECT\n"
"\n"
"Audit the DMA-remapping (Kernel DMA Protection) posture of Windows machines\n"
"from their SYSTEM registry hives, offline.  For every PCI device dmarscan\n"
"reports the per-device 'DMA Management' values and the per-driver\n"
"DmaRemappingCompatible values of its driver stack, predicts the\n"
"DEVPKEY_Device_DmaRemappingPolicy Windows would compute under the rules\n"
"before 24H2 and from 24H2 on (0 = not enforced, 1 = opted out, 2 = enforced),\n"
"and raises findings with their evidence.  Inputs are opened read-only.\n"
"\n"
"What to read:\n"
"      --control-set WHICH  current (default: the one Select\\Current names),\n"
"                           all (every ControlSetNNN; adds DMAR-CONTROLSET-DRIFT)\n"
"                           or a number N for ControlSet00N\n"
"      --rules GEN          auto (default: from the OS build in the SOFTWARE\n"
"                           hive, both generations while it is unknown),\n"
"                           pre-24h2, 24h2 or both\n"
"      --software FILE      the matching SOFTWARE hive (OS build, Group Policy\n"
"                           and MDM DeviceEnumerationPolicy); by default a\n"
"                           file named SOFTWARE beside each SYSTEM hive is used\n"
"      --no-software        do not look for a SOFTWARE hive beside the input\n"
"      --assume-external    treat devices of unknown exposure as external:\n"
"                           conditional opt-ins then resolve to policy 2\n"
"      --assume-internal    treat devices of unknown exposure as internal\n"
"      --port-ids FILE      more Thunderbolt/USB4 host routers, tunnel root\n"
"                           ports and bridges (format of external-ports.ids;\n"
"                           may be repeated)\n"
"      --ioc-file FILE      more DMA attack hardware identities (format of\n"
"                           attack-hardware.ids; may be repeated)\n"
"      --no-logs            do not replay transaction logs: analyse the primary\n"
"                           file as it is (HIVE-DIRTY when it is dirty)\n"
"      --max-keys N         read at most N keys of a hive (default 4000000:\n"
"                           far above any real SYSTEM hive); past it the\n"
"                           report is partial and says so (HIVE-LIMIT)\n"
"      --engine ENGINE      native (default: dmarscan's own reader of hive\n"
"                           cells) or libregf (libyal's, slower: a second\n"
"                           opinion on a hive that reads oddly)\n"
"\n"
"Many hives:\n"
"  DIR                      a folder: every hive in it, recognised by its\n"
"                           'regf' base block, not by its name; SYSTEM hives\n"
"                           are analysed (with their transaction logs and a\n"
"                           SOFTWARE hive of the same folder), other hives\n"
"                           (SAM, NTUSER.DAT...) are passed over\n"
"  -r, --recursive          also search the folders below each DIR\n"
"  IMAGE                    a disk image (raw or split raw, E01, VHD(X), VMDK:\n"
"                           what the system's libtsk reads): every Windows\n"
"                           installation in it (Windows.old too), on every\n"
"                           partition (GPT, MBR or none), is analysed from\n"
"                           memory - SYSTEM with its logs, the SOFTWARE hive\n"
"                           beside it, and the RegBack backup copy as a hive\n"
"                           of its own - without mounting or writing\n"
"                           anything; each is named\n"
"                           IMAGE:/pN/Windows/System32/config/SYSTEM (pN:\n"
"                           partition N as Linux numbers it; no /pN for a\n"
"                           file system with no partition table)\n"
"      --image-cpu-limit S  stop the disk-image reader after S seconds of CPU\n"
"                           time on one image (default 300; 0: no limit): a\n"
"                           damaged or hostile image can make libtsk loop\n"
"  -j, --jobs N             keep N threads busy: N hives at a time (default:\n"
"                           one per online CPU; with fewer hives than N, a\n"
"                           large hive is hashed beside its analysis); the\n"
"                           report keeps the input order\n"
"      --progress WHEN      a progress bar on stderr: auto (default: when\n"
"                           stderr is a terminal and there are several\n"
"                           hives), always or never\n"
"\n"
"Comparing two states of a machine (diff):\n"
"  dmarscan diff [OPTIONS] BASELINE SUSPECT\n"
"                           each a SYSTEM hive, a report of -f json, a disk\n"
"                           image (its installation in use) or a hive in one\n"
"                           as dmarscan names it (IMAGE:/p2/Windows/...); lists\n"
"                           devices, drivers, policy settings and findings\n"
"                           that appeared, vanished or changed (text or -f\n"
"                           json); exit 1 when a change is risky: a finding\n"
"                           at or above --fail-on appeared, a device's policy\n"
"                           went down, an exposed device appeared without\n"
"                           policy 2, or a driver now opts out\n"
"\n"
"What to write:\n"
"  -f, --format FORMAT      text (default), json (schema \"dmarscan/1\"), jsonl\n"
"                           (a line per hive, device and finding, each with\n"
"                           the hive path and sha256, for log pipelines), csv\n"
"                           (one row per device, RFC 4180, safe to open in a\n"
"                           spreadsheet) or timeline (one JSON line per dated\n"
"                           event, for Timesketch: key writes, device\n"
"                           installs, arrivals)\n"
"  -o, --output FILE        write the report to FILE instead of standard output\n"
"                           (never an input or a transaction log of one, nor\n"
"                           a name beside a disk image that its segments\n"
"                           may have: disk.E02, disk.002)\n"
"      --min-severity SEV   show findings of at least SEV: info (default), low,\n"
"                           medium or high\n"
"      --fail-on SEV        exit 1 when a finding of at least SEV is raised\n"
"                           (default: high)\n"
"      --save-recovered PATH  also write each hive as analysed (transaction\n"
"                           logs replayed) to PATH, a new file, or to PATH/NAME\n"
"                           when PATH is a folder; any hive type (SYSTEM,\n"
"                           SOFTWARE, NTUSER.DAT, UsrClass.dat); never over an\n"
"                           existing file, never into the folder of an input\n"
"      --no-color           no colour in text output (also: NO_COLOR=1)\n"
"  -v, --verbose            text: list every finding, do not collapse repeats\n"
"  -t, --tree               text: show the device tree with policy and exposure\n"
"      --acls               text: show the owner of every key that guards a\n"
"                           policy value and who can change it\n"
"      --list-rules         print the rule catalogue and exit\n"
"  -h, --help               print this help and exit\n"
"  -V, --version            print versions and exit\n"
"\n"
"Exit status:\n"
"  0  every input analysed, no finding at or above --fail-on\n"
"  1  every input analysed, at least one finding at or above --fail-on\n"
"  2  usage error\n"
"  3  at least one input could not be analysed (the others are still reported)\n"
"\n"
"Examples:\n"
"  dmarscan SYSTEM                          read the current control set\n"
"  dmarscan --format json -o out.json SYSTEM other/SYSTEM\n"
"  dmarscan --control-set all --rules 24h2 SYSTEM\n"
"  dmarscan --format json SYSTEM | jq '.hives[].findings[] | select(.severity==\"high\")'\n"
"  dmarscan -r -j 4 --format jsonl -o fleet.jsonl /cases/   every hive below\n"
"  dmarscan diff golden/SYSTEM suspect/SYSTEM   what changed since the image\n"
"  dmarscan --format json laptop.E01        every Windows installation in it\n"
"\n"
"Transaction logs: a hive from a disk image is usually dirty, its newest\n"
"changes still in SYSTEM.LOG1/LOG2 (or SYSTEM.LOG) beside it.  dmarscan finds\n"
"them (any case of the names), checks them and replays them in memory, as\n"
"Windows would at boot; the files are never changed.  HIVE-RECOVERED says\n"
"what was replayed, HIVE-LOG-DAMAGED names a log that was damaged, cut off,\n"
"out of sequence or from another hive, HIVE-DIRTY a dirty hive with no\n"
"usable log.  To keep the replayed hive for other tools:\n"
"  dmarscan --save-recovered out/ /mnt/evidence/Windows/System32/config/SYSTEM\n"
"\n"
"Exposure (external, likely_external, internal, unknown) is inferred from the\n"
"device tree: tunnelled devices, devices below Thunderbolt/USB4 host routers,\n"
"tunnel root ports and controller bridges are external; removable devices in\n"
"a container of their own are likely external; the machine container is\n"
"internal.  Only 'external' resolves a conditional opt-in to policy 2.\n";

enum {
	OPT_CONTROL_SET = 256, OPT_RULES, OPT_ASSUME_EXTERNAL, OPT_ASSUME_INTERNAL,
	OPT_MIN_SEVERITY, OPT_FAIL_ON, OPT_NO_COLOR, OPT_LIST_RULES, OPT_PORT_IDS,
	OPT_NO_LOGS, OPT_SAVE_RECOVERED, OPT_SOFTWARE, OPT_NO_SOFTWARE, OPT_IOC_FILE,
	OPT_ACLS, OPT_MAX_KEYS, OPT_ENGINE, OPT_PROGRESS, OPT_IMAGE_CPU_LIMIT
};

static const struct option LONG_OPTIONS[] = {
	{ "control-set", required_argument, NULL, OPT_CONTROL_SET },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "assume-external", no_argument, NULL, OPT_ASSUME_EXTERNAL },
	{ "assume-internal", no_argument, NULL, OPT_ASSUME_INTERNAL },
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "min-severity", required_argument, NULL, OPT_MIN_SEVERITY },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "no-colour", no_argument, NULL, OPT_NO_COLOR },
	{ "verbose", no_argument, NULL, 'v' },
	{ "tree", no_argument, NULL, 't' },
	{ "acls", no_argument, NULL, OPT_ACLS },
	{ "max-keys", required_argument, NULL, OPT_MAX_KEYS },
	{ "engine", required_argument, NULL, OPT_ENGINE },
	{ "recursive", no_argument, NULL, 'r' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "progress", required_argument, NULL, OPT_PROGRESS },
	{ "image-cpu-limit", required_argument, NULL, OPT_IMAGE_CPU_LIMIT },
	{ "port-ids", required_argument, NULL, OPT_PORT_IDS },
	{ "no-logs", no_argument, NULL, OPT_NO_LOGS },
	{ "software", required_argument, NULL, OPT_SOFTWARE },
	{ "no-software", no_argument, NULL, OPT_NO_SOFTWARE },
	{ "ioc-file", required_argument, NULL, OPT_IOC_FILE },
	{ "save-recovered", required_argument, NULL, OPT_SAVE_RECOVERED },
	{ "list-rules", no_argument, NULL, OPT_LIST_RULES },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 }
};

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "dmarscan: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'dmarscan --help' for more information.\n");
	return OPTIONS_USAGE;
}

static int parse_control_set(const char *arg, int *out)
{
	if (strcmp(arg, "current") == 0) {
		*out = DMAR_CONTROL_SET_CURRENT;
		return 0;
	}
	if (strcmp(arg, "all") == 0) {
		*out = DMAR_CONTROL_SET_ALL;
		return 0;
	}
	char *end = NULL;
	long n = strtol(arg, &end, 10);
	if (end == arg || *end != '\0' || n < 1 || n > 999)
		return -1;
	*out = (int)n;
	return 0;
}

/* A count from 1 to 4294967295. */
static int parse_count(const char *arg, uint32_t *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long long n = strtoull(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end != '\0' || errno != 0 ||
	    n == 0 || n > UINT32_MAX)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

static int parse_rules(const char *arg, dmar_rules *out)
{
	static const struct { const char *name; dmar_rules value; } names[] = {
		{ "auto", DMAR_RULES_AUTO }, { "pre-24h2", DMAR_RULES_PRE_24H2 },
		{ "24h2", DMAR_RULES_24H2 }, { "both", DMAR_RULES_BOTH },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(arg, names[i].name) == 0) {
			*out = names[i].value;
			return 0;
		}
	}
	return -1;
}

/* The versions of the libraries as loaded at run time, not the headers'. */
static void print_version(void)
{
	printf("dmarscan %s\n", dmar_version());
	printf("with %s, jansson %s", dmar_dependency_versions(),
	       jansson_version_str());
#ifdef __GLIBC__
	printf(", glibc %s", gnu_get_libc_version());
#endif
	putchar('\n');
	printf("disk images: %s\n", image_reader_version());
}

static void print_rules(void)
{
	size_t n = 0;
	const dmar_rule_info *rules = dmar_rule_catalogue(&n);
	printf("%-30s %-8s %s\n", "RULE", "SEVERITY", "FIRES WHEN");
	for (size_t i = 0; i < n; i++)
		printf("%-30s %-8s %s%s\n", rules[i].id,
		       dmar_severity_name(rules[i].severity), rules[i].summary,
		       rules[i].checked ? "" : " [not checked by this version]");
}

/* --save-recovered: a folder for any number of hives, else a file for
 * one; not with --no-logs (there would be nothing recovered). */
static int check_save_recovered(cli_options *o)
{
	struct stat st;
	if (o->save_recovered == NULL)
		return OPTIONS_RUN;
	if (o->open.no_logs)
		return usage_error("%s", "--save-recovered and --no-logs exclude each "
		                   "other: without logs nothing is recovered");
	o->save_to_dir = stat(o->save_recovered, &st) == 0 && S_ISDIR(st.st_mode);
	if (!o->save_to_dir && o->n_inputs > 1)
		return usage_error("--save-recovered %s: with %d hives, give an existing "
		                   "folder (each is written as FOLDER/NAME)",
		                   o->save_recovered, o->n_inputs);
	if (o->output != NULL && strcmp(o->output, o->save_recovered) == 0)
		return usage_error("%s", "-o and --save-recovered name the same file");
	return OPTIONS_RUN;
}

static int push_file(const char ***list, int *n, const char *path)
{
	const char **more = realloc(*list, (size_t)(*n + 1) * sizeof(*more));
	if (more == NULL)
		return -1;
	more[(*n)++] = path;
	*list = more;
	return 0;
}

/* Handle one option; returns OPTIONS_RUN to go on. */
static int apply_option(int c, const char *arg, cli_options *o)
{
	switch (c) {
	case OPT_CONTROL_SET:
		if (parse_control_set(arg, &o->scan.control_set) != 0)
			return usage_error("--control-set: '%s' is not current, all or "
			                   "a number from 1 to 999", arg);
		break;
	case OPT_RULES:
		if (parse_rules(arg, &o->scan.rules) != 0)
			return usage_error("--rules: '%s' is not auto, pre-24h2, 24h2 or "
			                   "both", arg);
		break;
	case OPT_ASSUME_EXTERNAL:
	case OPT_ASSUME_INTERNAL: {
		dmar_assume want = c == OPT_ASSUME_EXTERNAL ? DMAR_ASSUME_EXTERNAL
		                                            : DMAR_ASSUME_INTERNAL;
		if (o->scan.assume != DMAR_ASSUME_NOTHING && o->scan.assume != want)
			return usage_error("%s", "--assume-external and --assume-internal "
			                   "exclude each other");
		o->scan.assume = want;
		break;
	}
	case 'f':
		if (strcmp(arg, "text") == 0)
			o->format = FORMAT_TEXT;
		else if (strcmp(arg, "json") == 0)
			o->format = FORMAT_JSON;
		else if (strcmp(arg, "timeline") == 0)
			o->format = FORMAT_TIMELINE;
		else if (strcmp(arg, "csv") == 0)
			o->format = FORMAT_CSV;
		else if (strcmp(arg, "jsonl") == 0)
			o->format = FORMAT_JSONL;
		else
			return usage_error("--format: '%s' is not text, json, jsonl, csv or "
			                   "timeline", arg);
		break;
	case 'o':
		o->output = arg;
		break;
	case OPT_MIN_SEVERITY:
	case OPT_FAIL_ON:
		if (dmar_severity_parse(arg, c == OPT_FAIL_ON ? &o->fail_on
		                                               : &o->min_severity) != 0)
			return usage_error("severity '%s' is not info, low, medium or "
			                   "high", arg);
		break;
	case OPT_NO_COLOR:
		o->color = 0;
		break;
	case 'v':
		o->verbose = 1;
		break;
	case 't':
		o->tree = 1;
		break;
	case OPT_PORT_IDS:
		if (push_file(&o->port_id_files, &o->n_port_id_files, arg) != 0)
			return usage_error("%s", "out of memory");
		break;
	case OPT_IOC_FILE:
		if (push_file(&o->ioc_files, &o->n_ioc_files, arg) != 0)
			return usage_error("%s", "out of memory");
		break;
	case OPT_SOFTWARE:
		if (arg[0] == '\0')
			return usage_error("%s", "--software: empty path");
		o->software = arg;
		break;
	case OPT_ACLS:
		o->acls = 1;
		break;
	case OPT_MAX_KEYS:
		if (parse_count(arg, &o->scan.max_keys) != 0)
			return usage_error("--max-keys: '%s' is not a number from 1 to "
			                   "4294967295", arg);
		break;
	case OPT_ENGINE:
		if (strcmp(arg, "native") == 0)
			o->open.engine = DMAR_ENGINE_NATIVE;
		else if (strcmp(arg, "libregf") == 0)
			o->open.engine = DMAR_ENGINE_LIBREGF;
		else
			return usage_error("--engine: '%s' is not native or libregf", arg);
		break;
	case 'r':
		o->recursive = 1;
		break;
	case 'j': {
		uint32_t n = 0;
		if (parse_count(arg, &n) != 0 || n > 256)
			return usage_error("--jobs: '%s' is not a number from 1 to 256", arg);
		o->jobs = (int)n;
		break;
	}
	case OPT_IMAGE_CPU_LIMIT: {
		uint32_t n = 0;
		if (strcmp(arg, "0") != 0 && (parse_count(arg, &n) != 0 || n > 86400))
			return usage_error("--image-cpu-limit: '%s' is not a number of "
			                   "seconds from 0 (no limit) to 86400", arg);
		o->image_cpu_limit = n;
		break;
	}
	case OPT_PROGRESS:
		if (strcmp(arg, "auto") == 0)
			o->progress = PROGRESS_AUTO;
		else if (strcmp(arg, "always") == 0)
			o->progress = PROGRESS_ALWAYS;
		else if (strcmp(arg, "never") == 0)
			o->progress = PROGRESS_NEVER;
		else
			return usage_error("--progress: '%s' is not auto, always or never", arg);
		break;
	case OPT_NO_SOFTWARE:
		o->no_software = 1;
		break;
	case OPT_NO_LOGS:
		o->open.no_logs = 1;
		break;
	case OPT_SAVE_RECOVERED:
		if (arg[0] == '\0')
			return usage_error("%s", "--save-recovered: empty path");
		o->save_recovered = arg;
		break;
	case OPT_LIST_RULES:
		print_rules();
		return OPTIONS_DONE;
	case 'h':
		fputs(HELP, stdout);
		return OPTIONS_DONE;
	case 'V':
		print_version();
		return OPTIONS_DONE;
	default:
		fprintf(stderr, "Try 'dmarscan --help' for more information.\n");
		return OPTIONS_USAGE;
	}
	return OPTIONS_RUN;
}

int options_parse(int argc, char **argv, cli_options *o)
{
	memset(o, 0, sizeof(*o));
	dmar_options_init(&o->scan);
	o->format = FORMAT_TEXT;
	o->min_severity = DMAR_SEV_INFO;
	o->fail_on = DMAR_SEV_HIGH;
	o->color = -1;
	o->image_cpu_limit = IMAGE_CPU_LIMIT_DEFAULT;
	opterr = 1;
	int c;
	if (argc > 1 && strcmp(argv[1], "diff") == 0) {
		o->diff = 1;
		argv++;        /* the options after 'diff' */
		argc--;
	}
	while ((c = getopt_long(argc, argv, "f:o:vthVrj:", LONG_OPTIONS, NULL)) != -1) {
		int rc = apply_option(c, optarg, o);
		if (rc != OPTIONS_RUN)
			return rc;
	}
	o->inputs = argv + optind;
	o->n_inputs = argc - optind;
	if (o->diff) {
		if (o->n_inputs != 2)
			return usage_error("%s", "diff compares two inputs: dmarscan diff "
			                   "[OPTIONS] BASELINE SUSPECT (each a SYSTEM hive, "
			                   "a JSON report of dmarscan -f json or a disk "
			                   "image)");
		if (o->format != FORMAT_TEXT && o->format != FORMAT_JSON)
			return usage_error("%s", "diff writes text or json");
		if (o->save_recovered != NULL || o->software != NULL)
			return usage_error("%s", "diff takes neither --save-recovered nor "
			                   "--software (a SOFTWARE hive beside each SYSTEM "
			                   "hive is still paired with it)");
		return OPTIONS_DIFF;
	}
	if (o->n_inputs == 0)
		return usage_error("%s", "no hive given");
	if (o->software != NULL && o->n_inputs > 1)
		return usage_error("--software %s: names the SOFTWARE hive of one "
		                   "machine; give one SYSTEM hive with it (without "
		                   "--software, a SOFTWARE file beside each SYSTEM hive "
		                   "is paired with it)", o->software);
	if (o->software != NULL && o->no_software)
		return usage_error("%s", "--software and --no-software exclude each other");
	return check_save_recovered(o);
}
