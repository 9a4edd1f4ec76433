"""CFX003 region-map: region-keyed Mappings that lack a region the template is deployed to."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cfnfix.cfnlint_data import availability_zones, regional_enum_rules, regional_schema, regions
from cfnfix.config import SettingsModel
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Finding, InsertKey, Options, Path
from cfnfix.template import Template

_REGION_NAME = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$")
_AMI_ID = re.compile(r"^ami-[0-9a-z]+$")
_SSM_AMI = "{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64}}"
_REGION_REF = {"Ref": "AWS::Region"}

# what a value holds that makes it belong to one region: never copied to another
_PER_REGION_IDS = (
    (re.compile(r"arn:aws[\w-]*:[\w-]*:[a-z]{2,4}(?:-[a-z]+)+-\d{1,2}:"), "an ARN of a regional resource"),
    (re.compile(r"(?<![\w-])[a-z]+(?:-[a-z]+)*-(?:[0-9a-f]{17}|[0-9a-f]{8})(?![\w-])"),
     "a resource id (`subnet-`, `vpc-`, `sg-`, `snap-`...)"),
    (re.compile(r"(?<![\w-])(?:snap|vol|subnet|vpc|sg|igw|eigw|rtb|acl|eni|eipalloc|nat|pcx|vpce|tgw|lt|dopt|pl|"
                r"cgw|vgw|vpn|fs|fsap|i)-(?=[0-9a-z]*\d)[0-9a-z]+(?![\w-])"),
     "a resource id (`subnet-`, `vpc-`, `sg-`, `snap-`...)"),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE),
     "a UUID (a KMS key or certificate id)"),
    (re.compile(r"(?<![\w-])[a-z]{3,4}\d-az\d{1,2}(?![\w-])"), "an availability-zone id"),
)
# what a value holds that may depend on the region (copied only with copy-single-region-values)
_MAYBE_REGIONAL = (
    (re.compile(r"(?<!\d)\d{12}(?!\d)"), "an account id"),
    (re.compile(r"arn:aws"), "an ARN"),
    (re.compile(r"^Z[A-Z0-9]{7,31}$"), "a Route 53 hosted-zone id"),
)
# properties whose value names something that exists in one region (a key pair, a bucket of code...)
_REGIONAL_PROPERTIES = frozenset({
    "ImageId", "KeyName", "SnapshotId", "SnapshotIdentifier", "DBSnapshotIdentifier", "KmsKeyId", "KMSMasterKeyID",
    "KmsKeyArn", "CertificateArn", "SubnetId", "SubnetIds", "VpcId", "SecurityGroupIds", "SecurityGroups",
    "HostedZoneId", "S3Bucket", "VPCZoneIdentifier", "LaunchTemplateId", "AvailabilityZone", "AvailabilityZones",
})
# properties whose value is something a region offers or not (an instance type); checked against
# cfn-lint's regional data when it has some for the property
_OFFERED = re.compile(r"(?:InstanceType|InstanceClass|NodeType)$")
# properties cfn-lint has no regional data for that take the values of one it has
_SAME_OFFER = {
    "Resources/AWS::AutoScaling::LaunchConfiguration/Properties/InstanceType":
        "Resources/AWS::EC2::Instance/Properties/InstanceType",
    "Resources/AWS::EC2::SpotFleet/Properties/SpotFleetRequestConfigData/LaunchSpecifications/*/InstanceType":
        "Resources/AWS::EC2::Instance/Properties/InstanceType",
}


def is_region_name(key: str) -> bool:
    """Whether a mapping key is shaped like an AWS region name (``us-east-1``, ``us-gov-west-1``)."""
    return bool(_REGION_NAME.match(key))


def is_zone_of(value: Any, region: str) -> bool:
    """Whether ``value`` is a standard availability-zone name of ``region`` (``us-east-1a``)."""
    return isinstance(value, str) and len(value) == len(region) + 1 and value.startswith(region) and (
        "a" <= value[-1] <= "z"
    )


def zones_of(value: Any, region: str) -> list[str] | None:
    """The zones of a zone value (one zone or a non-empty list of zones of ``region``), else None."""
    if is_zone_of(value, region):
        return [value]
    if isinstance(value, list) and value and all(is_zone_of(item, region) for item in value):
        return list(value)
    return None


def region_zones(region: str) -> list[str]:
    """The availability zones cfn-lint knows for ``region``, sorted (empty when it knows none)."""
    return sorted(availability_zones().get(region, []))


@dataclass
class _MapUse:
    """How the template reads one mapping with AWS::Region as its top-level key."""

    name: str
    keys: list[str] = field(default_factory=list)  # literal second-level keys, in order of reading
    computed: bool = False  # some read's second-level key is an intrinsic
    reads: dict[str | None, list[Path]] = field(default_factory=dict)  # key (None: computed) -> where read
    _by_key: dict[str, _KeyReads] = field(default_factory=dict)

    def read_at(self, template: Template, key: str) -> _KeyReads:
        """Where the template uses what the mapping holds under ``key`` (worked out once per key)."""
        if key not in self._by_key:
            paths = self.reads.get(key, []) + self.reads.get(None, [])
            self._by_key[key] = _KeyReads.of(template, paths)
        return self._by_key[key]


@dataclass(frozen=True)
class _Site:
    """A property a mapping value feeds: where the template uses what ``Fn::FindInMap`` reads."""

    type: str
    keyword: str  # cfn-lint's form: ``Resources/AWS::EC2::Instance/Properties/InstanceType``
    properties: dict[str, Any]

    @property
    def name(self) -> str:
        return self.keyword.rsplit("/", 1)[-1]

    @property
    def shown(self) -> str:
        return f"{self.keyword.split('/Properties/', 1)[-1].replace('/', '.')} of {self.type}"


@dataclass(frozen=True)
class _KeyReads:
    """Where the template uses the value of one second-level key: the properties it feeds, and the
    conditions it decides (``Fn::Equals`` in ``Conditions``, ``Rules``, or in a resource)."""

    sites: list[_Site]
    decides: list[str]

    @classmethod
    def of(cls, template: Template, paths: list[Path]) -> _KeyReads:
        sites = [site for path in paths if (site := _site(template, path)) is not None]
        decides = [f"the condition {path[1]}" if path[0] == "Conditions" and len(path) > 1
                   else "a condition" for path in paths if path[0] in ("Conditions", "Rules") or "Fn::Equals" in path]
        return cls(sites, decides)


@dataclass(frozen=True)
class _Unknown:
    key: str
    reason: str


class RegionMapSettings(SettingsModel):
    """``[tool.cfnfix.fixers.CFX003]``: whether a value only one region sets is copied when its kind does
    not show that it holds in another region."""

    copy_single_region_values: bool = False


class RegionMap(Fixer):
    """## What it does
    Finds a Mapping read with `!FindInMap [Map, !Ref 'AWS::Region', Key]` that has no
    entry for a region the template is deployed to, and adds the entry when every
    value the template reads from it can be known.

    The target regions are cfnfix's `--regions`, else its configuration's `regions`,
    cfn-lint's (`.cfnlintrc`), the template's own `Metadata: cfn-lint: config:
    regions`, else `us-east-1`. Only reads whose top-level key is exactly
    `!Ref AWS::Region` are considered (CloudFormation allows no `Fn::Sub` there, and a
    key computed any other way says nothing certain about the region); reads with a
    `DefaultValue` (`AWS::LanguageExtensions`) cannot fail and are ignored.

    The new entry holds the second-level keys the template reads (the literal third
    argument of `Fn::FindInMap`; when that argument is an intrinsic, every key all
    existing regions share). Keys no read uses are not copied. A value is known when:

    - in every existing region it is an availability zone, or a list of zones, of that
      region: the target region gets as many zones from cfn-lint's zone data, in order
      (`us-east-1a`, `us-east-1b`, ...), zones that are equal in the existing entry
      staying equal and distinct ones distinct; the existing region listing the most
      distinct zones sets the count. If the target region has fewer zones, no fix.
    - it is the same in at least two existing regions (and is not an AMI id): it is
      copied.
    - only one existing region sets it, and its kind does not depend on the region:
      it is copied. The kind comes from where the template uses what `Fn::FindInMap`
      reads (the property it feeds, through `Fn::If` and `Fn::Select`), then from the
      value's shape: an instance type, DB instance class or node type that cfn-lint's
      regional data offers in the target region for that property (`InstanceType` of
      an `AWS::EC2::Instance`, or of a launch configuration, launch template or
      fleet; `DBInstanceClass` of an `AWS::RDS::DBInstance`, for its `Engine` and
      `LicenseModel`; `CacheNodeType`...), a CIDR block, a number, a boolean, or a
      string that names no region, account, ARN or resource id.

    A value copied to a property cfn-lint's regional data covers must be offered in the
    target region, whichever rule copies it: an instance type the region does not
    have is never written. A value of one region that holds a resource id (`ami-`,
    `subnet-`, `vpc-`, `sg-`, `snap-`...), a UUID (KMS keys, certificates), an ARN
    with a region in it, a zone id or a region's name belongs to that region and is
    never copied. Values left in doubt are copied only with `copy-single-region-values`:
    one that decides a condition (`IsPrimary: !Equals [!FindInMap [...], 'true']`
    marks the regions that play a part, a choice made region by region), one that
    feeds a property naming something of one region (`KeyName`, `S3Bucket`,
    `HostedZoneId`...) or an offered-or-not property cfn-lint has no regional data
    for, an account id, an ARN without a region.

    A value that cannot be known is never invented: the region then gets no entry at
    all, and the finding says which key is missing and why, suggesting an SSM public
    parameter for images. A partial entry would only move the deploy error from the
    region key to the value key while making the map look complete. The entry goes
    after the mapping's last region key; with several missing regions, there is one
    finding per region, in the order of the settings.

    ## Why is this bad?
    `Fn::FindInMap` fails when the key is missing, so the stack cannot be created in a
    region the map does not list ("Template error: Unable to get mapping for
    RegionMap::us-east-1::AZs"). cfn-lint cannot tell which regions a template is meant
    for, and does not report it (cfn-lint#3451).

    ## Example
    ```yaml
    Mappings:
      RegionMap:
        ap-northeast-1:
          AZs: ['ap-northeast-1a', 'ap-northeast-1c']
    Resources:
      Subnet:
        Type: AWS::EC2::Subnet
        Properties:
          AvailabilityZone: !Select [0, !FindInMap [RegionMap, !Ref 'AWS::Region', AZs]]
    ```

    Use instead (deployed to `us-east-1`):
    ```yaml
    Mappings:
      RegionMap:
        ap-northeast-1:
          AZs: ['ap-northeast-1a', 'ap-northeast-1c']
        us-east-1:
          AZs:
            - us-east-1a
            - us-east-1b
    ```

    ## Fix safety
    The fix is safe: it only adds a mapping entry for a region where every read of the
    mapping fails today, so no working deployment changes. The zones are the first ones
    of the region in cfn-lint's data; an account may not have every zone (`us-east-1e`
    is closed to new accounts), which is why the lowest letters are chosen. A CIDR
    block copied from one region gives the new region's network the same range: fine
    for separate stacks, to be changed by hand before peering the two networks.

    ## Options
    In `[tool.cfnfix.fixers.CFX003]`:
    - `copy-single-region-values` (default `false`): what to do with a value only one
      existing region sets whose kind leaves it in doubt (see above). By default the
      region gets no entry; `true` copies such values, for maps whose values you know
      do not depend on the region. Values whose kind shows they hold in the target
      region are copied either way; ids, regional ARNs and region names of one region,
      and values cfn-lint's data shows the target region does not offer, never are.

    ## References
    - [Fn::FindInMap](https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-findinmap.html)
    - [Mappings](https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/mappings-section-structure.html)
    - [Public SSM parameters for AMIs](https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-public-parameters-ami.html)
    - [cfn-lint#3451](https://github.com/aws-cloudformation/cfn-lint/issues/3451)
    """

    code: ClassVar[str] = "CFX003"
    name: ClassVar[str] = "region-map"
    summary: ClassVar[str] = "Region-keyed mapping lacks a target region"
    applicability: ClassVar[Applicability] = Applicability.SAFE
    settings_model = RegionMapSettings
    cfn_lint_rules: ClassVar[tuple[str, ...]] = ()

    def find(self, template: Template, options: Options) -> Iterable[Finding]:
        mappings = template.section("Mappings")
        for use in self._uses(template, mappings):
            mapping = mappings[use.name]
            if not isinstance(mapping, dict):
                continue
            missing = [r for r in dict.fromkeys(options.target_regions) if r not in mapping]
            if not missing:
                continue
            regions = [k for k, v in mapping.items() if is_region_name(k) and isinstance(v, dict)]
            after = regions[-1] if regions else None
            single = self.settings(options, RegionMapSettings).copy_single_region_values
            for region in missing:
                yield self._finding(template, use, mapping, regions, region, after, single)

    # --- reads -------------------------------------------------------------------------
    @staticmethod
    def _uses(template: Template, mappings: dict[str, Any]) -> Iterator[_MapUse]:
        uses: dict[str, _MapUse] = {}
        for path, value in template.calls("Fn::FindInMap"):
            if not path or path[0] == "Mappings":
                continue
            args = value.get("Fn::FindInMap")
            if not isinstance(args, list) or len(args) < 3:
                continue
            name, top, key = args[0], args[1], args[2]
            if not isinstance(name, str) or name not in mappings or top != _REGION_REF:
                continue
            if len(args) > 3 and isinstance(args[3], dict) and "DefaultValue" in args[3]:
                continue  # a read with a default cannot fail on a missing region
            use = uses.setdefault(name, _MapUse(name))
            if isinstance(key, str):
                if key not in use.keys:
                    use.keys.append(key)
                use.reads.setdefault(key, []).append(path)
            else:
                use.computed = True
                use.reads.setdefault(None, []).append(path)
        yield from uses.values()

    # --- the new entry ---------------------------------------------------------------
    def _finding(
        self, template: Template, use: _MapUse, mapping: dict[str, Any], regions: list[str], region: str,
        after: str | None, single: bool,
    ) -> Finding:
        path = ("Mappings", use.name)
        message = f"Mapping '{use.name}' is read with AWS::Region but has no entry for {region}"
        entries = [(r, mapping[r]) for r in regions]
        if not entries:
            return self.finding(
                path, message,
                no_fix_reason=f"the mapping has no region entry to learn the values for {region} from",
            )
        keys = self._keys_read(use, entries)
        reads = {key: use.read_at(template, key) for key in keys}
        entry, zones, copied, unknown = self._entry(keys, entries, region, single, reads)
        if unknown:
            reason = "; ".join(u.reason for u in unknown)
            return self.finding(path, message, no_fix_reason=f"no entry added for {region}: {reason}")
        shared = [k for k in keys if k not in zones and k not in copied]
        parts = []
        if zones:
            parts.append(f"zones from cfn-lint's data for {', '.join(zones)}")
        if shared:
            parts.append(f"values shared by every region for {', '.join(shared)}")
        for source in dict.fromkeys(copied.values()):
            parts.append(f"{', '.join(k for k in keys if copied.get(k) == source)} copied from {source}")
        note = f"adds {region}" + (f" with {' and '.join(parts)}" if parts else "")
        edit = InsertKey(path=path, key=region, value=entry, after=after)
        return self.finding(path, message, [edit], note=note)

    @staticmethod
    def _keys_read(use: _MapUse, entries: list[tuple[str, dict[str, Any]]]) -> list[str]:
        """The second-level keys to write, in the order the existing entries write them."""
        wanted = set(use.keys)
        if use.computed:
            shared = set(entries[0][1])
            for _region, values in entries[1:]:
                shared &= set(values)
            wanted |= shared
        ordered: list[str] = []
        for _region, values in entries:
            ordered.extend(k for k in values if k in wanted and k not in ordered)
        ordered.extend(k for k in use.keys if k not in ordered)
        return ordered

    def _entry(
        self, keys: list[str], entries: list[tuple[str, dict[str, Any]]], region: str, single: bool,
        reads: dict[str, _KeyReads],
    ) -> tuple[dict[str, Any], list[str], dict[str, str], list[_Unknown]]:
        """The entry for ``region``, the keys holding zones, the keys copied from a single region (with
        that region), and the values that cannot be known."""
        entry: dict[str, Any] = {}
        unknown: list[_Unknown] = []
        zone_keys: list[str] = []
        copied: dict[str, str] = {}
        for key in keys:
            having = [(r, values[key]) for r, values in entries if key in values]
            if not having:
                unknown.append(_Unknown(key, f"no existing region has the key '{key}'"))
            elif all(zones_of(value, r) is not None for r, value in having):
                zone_keys.append(key)
                entry[key] = None  # placeholder, keeps the key order
            else:
                result = _known_value(key, having, region, single, reads[key])
                if isinstance(result, _Unknown):
                    unknown.append(result)
                else:
                    entry[key] = result
                    if len(having) == 1:
                        copied[key] = having[0][0]
        if zone_keys and not unknown:
            zones = self._zones(zone_keys, entries, region)
            if isinstance(zones, _Unknown):
                unknown.append(zones)
            else:
                entry.update(zones)
        return entry, zone_keys, copied, unknown

    @staticmethod
    def _zones(
        keys: list[str], entries: list[tuple[str, dict[str, Any]]], region: str
    ) -> dict[str, Any] | _Unknown:
        """Zone values for ``region`` following the pattern of the existing entry with the most zones."""
        complete = [(r, values) for r, values in entries if all(k in values for k in keys)]
        groups = [keys] if complete else [[k] for k in keys]
        available = region_zones(region)
        result: dict[str, Any] = {}
        for group in groups:
            candidates = complete or [(r, values) for r, values in entries if group[0] in values]
            best: dict[str, list[str]] = {}
            best_values: dict[str, Any] = {}
            best_distinct: list[str] = []
            for r, values in candidates:
                found = {k: zones_of(values[k], r) or [] for k in group}
                distinct = list(dict.fromkeys(z for k in group for z in found[k]))
                if len(distinct) > len(best_distinct):
                    best, best_values, best_distinct = found, values, distinct
            if len(best_distinct) > len(available):
                if not available:
                    why = f"cfn-lint has no availability-zone data for {region}"
                else:
                    why = (
                        f"{region} has {len(available)} availability zones in cfn-lint's data, "
                        f"the mapping uses {len(best_distinct)}"
                    )
                return _Unknown(group[0], why)
            assign = dict(zip(best_distinct, available[: len(best_distinct)], strict=True))
            for key in group:
                zones = [assign[z] for z in best[key]]
                result[key] = zones[0] if isinstance(best_values[key], str) else zones
        return result


# --- what a value is, and whether it holds in another region --------------------------------
def _known_value(key: str, having: list[tuple[str, Any]], region: str, single: bool, reads: _KeyReads) -> Any:
    """The value ``key`` takes in ``region``, or an ``_Unknown`` saying why it cannot be known."""
    values = [value for _r, value in having]
    if any(isinstance(v, str) and _AMI_ID.match(v) for v in values):
        return _Unknown(
            key,
            f"'{key}' holds an AMI id, which differs per region and cannot be known for {region}; "
            f"read the image from an SSM public parameter instead, e.g. '{_SSM_AMI}' "
            "(or a parameter of type AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>)",
        )
    if any(v != values[0] for v in values[1:]):
        return _Unknown(key, f"'{key}' differs between regions and cannot be known for {region}")
    value = values[0]
    not_offered = _not_offered(value, reads.sites, region)
    if not_offered:
        return _Unknown(key, f"'{key}' holds {not_offered}")
    if len(values) > 1:
        return copy.deepcopy(value)
    source = having[0][0]
    never = _per_region(value, source)
    if never:
        return _Unknown(key, f"'{key}' is set in {source} only and holds {never}, which belongs to one region; "
                             f"it cannot be known for {region}")
    doubt = _doubt(value, reads, region)
    if doubt and not single:
        return _Unknown(key, f"'{key}' is set in {source} only and {doubt}, so nothing shows it holds in "
                             f"{region}; add it by hand, or set copy-single-region-values if it does not "
                             "depend on the region")
    return copy.deepcopy(value)


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _per_region(value: Any, source: str) -> str | None:
    """What in ``value`` exists in one region only (an id, a regional ARN, a region's name), or None."""
    for item in _items(value):
        if not isinstance(item, str):
            continue
        for pattern, what in _PER_REGION_IDS:
            if pattern.search(item):
                return what
        named = [r for r in (source, *regions()) if r in item]
        if named:
            return f"the name of a region ({named[0]})"
    return None


def _doubt(value: Any, reads: _KeyReads, region: str) -> str | None:
    """Why a value only one region sets might not hold in ``region`` (None: its kind shows it does:
    an instance type or class cfn-lint's data offers there, a CIDR block, a number, a boolean, a
    string naming no region, account, ARN or id)."""
    if reads.decides:
        return f"decides {reads.decides[0]}, a choice made region by region"
    for site in reads.sites:
        if site.name in _REGIONAL_PROPERTIES:
            return f"feeds {site.shown}, which names something of one region"
        if _OFFERED.search(site.name) and _allowed(site, region) is None:
            return f"feeds {site.shown}, which cfn-lint has no regional data for in {region}"
    for item in _items(value):
        if isinstance(item, bool) or (isinstance(item, str) and item.lower() in ("true", "false")):
            continue
        text = str(item) if isinstance(item, (int, float)) else item
        if not isinstance(text, str):
            return "holds a value that is neither a string nor a number"
        for pattern, what in _MAYBE_REGIONAL:
            if pattern.search(text):
                return f"holds {what}"
    return None


def _not_offered(value: Any, sites: list[_Site], region: str) -> str | None:
    """The first value that cfn-lint's regional data shows is not offered in ``region`` where it is
    used (an instance type a region does not have), described; else None."""
    for site in sites:
        allowed = _allowed(site, region)
        if allowed is None:
            continue
        for item in _items(value):
            if isinstance(item, str) and item not in allowed:
                return (f"{item}, which {region} does not offer as {site.shown} "
                        f"(cfn-lint's regional data)")
    return None


def _site(template: Template, path: Path) -> _Site | None:
    """The resource property that what ``Fn::FindInMap`` reads at ``path`` becomes, through the
    branches of ``Fn::If`` and the list of ``Fn::Select`` (None when it is read elsewhere, or only
    becomes part of another value, as in ``Fn::Join`` or ``Fn::Sub``)."""
    if len(path) < 4 or path[0] != "Resources" or path[2] != "Properties":
        return None
    resource = template.resources.get(str(path[1]))
    if not isinstance(resource, dict) or not isinstance(resource.get("Type"), str):
        return None
    steps: list[str] = []
    rest = list(path[3:])
    while rest:
        step = rest.pop(0)
        transparent = (step == "Fn::If" and rest[:1] in ([1], [2])) or (step == "Fn::Select" and rest == [1])
        if transparent:
            rest.pop(0)
        elif isinstance(step, str) and step.startswith("Fn::"):
            return None
        else:
            steps.append("*" if isinstance(step, int) else step)
    if not steps:
        return None
    while steps[-1] == "*":
        steps.pop()  # a list item of the property: the kind of the property's items
        if not steps:
            return None
    properties = resource.get("Properties")
    return _Site(resource["Type"], f"Resources/{resource['Type']}/Properties/{'/'.join(steps)}",
                 properties if isinstance(properties, dict) else {})


def _allowed(site: _Site, region: str) -> frozenset[str] | None:
    """The values cfn-lint's regional data allows for the site's property in ``region``, or None when
    it has no data for that property or region (every property it has data for is an instance type,
    an instance class or a node type: nothing else is looked up)."""
    if not _OFFERED.search(site.name):
        return None
    rules = regional_enum_rules()
    keyword = _SAME_OFFER.get(site.keyword, site.keyword)
    if keyword in rules:
        schema = regional_schema(*rules[keyword]).get(region)
        enum = schema.get("enum") if isinstance(schema, dict) else None
        return frozenset(v for v in enum if isinstance(v, str)) if isinstance(enum, list) else None
    whole = keyword.rsplit("/Properties/", 1)[0] + "/Properties"
    if "/" in keyword.split("/Properties/", 1)[-1] or whole not in rules:
        return None
    schema = regional_schema(*rules[whole]).get(region)
    return _allowed_by_branches(schema, site.name, site.properties) if isinstance(schema, dict) else None


def _allowed_by_branches(schema: dict[str, Any], name: str, properties: dict[str, Any]) -> frozenset[str] | None:
    """The values of property ``name`` an object schema of ``if``/``then`` branches allows for a
    resource with ``properties`` (RDS: per engine and license model). A condition on a value given by
    an intrinsic may hold; when no branch's condition holds, every branch's values count."""
    allowed: set[str] = set()
    everything: set[str] = set()
    for branch in schema.get("allOf", [schema]):
        if not isinstance(branch, dict):
            continue
        then = branch.get("then", branch)
        enum = then.get("properties", {}).get(name, {}).get("enum") if isinstance(then, dict) else None
        if not isinstance(enum, list):
            continue
        everything.update(v for v in enum if isinstance(v, str))
        condition = branch.get("if")
        if not isinstance(condition, dict) or _may_hold(condition, name, properties):
            allowed.update(v for v in enum if isinstance(v, str))
    if not everything:
        return None
    return frozenset(allowed or everything)


def _may_hold(condition: dict[str, Any], name: str, properties: dict[str, Any]) -> bool:
    """Whether a branch's ``if`` may hold for ``properties`` (``name`` being the value in question)."""
    required = condition.get("required", [])
    if any(r != name and r not in properties for r in required if isinstance(r, str)):
        return False
    for other, rule in condition.get("properties", {}).items():
        if other == name or other not in properties:
            continue
        value = properties[other]
        if rule is False:
            return False
        if isinstance(rule, dict) and "const" in rule and isinstance(value, str) and (
                value.lower() != str(rule["const"]).lower()):
            return False
    return True
