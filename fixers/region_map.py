"""CFX003 region-map: region-keyed Mappings that lack a region the template is deployed to."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cfnfix.cfnlint_data import availability_zones
from cfnfix.config import SettingsModel
from cfnfix.fixer import Fixer
from cfnfix.models import Applicability, Finding, InsertKey, Options
from cfnfix.template import Template

_REGION_NAME = re.compile(r"^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$")
_AMI_ID = re.compile(r"^ami-[0-9a-f]{8,17}$")
_SSM_AMI = "{{resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64}}"
_REGION_REF = {"Ref": "AWS::Region"}


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


@dataclass(frozen=True)
class _Unknown:
    key: str
    reason: str


class RegionMapSettings(SettingsModel):
    """``[tool.cfnfix.fixers.CFX003]``: what to do with values that cannot be known."""

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
      copied. A single region cannot show that a value does not depend on the region.

    Any other value, above all an AMI id, cannot be known, and it is never invented:
    the region then gets no entry at all, and the finding says which key is missing
    and suggests an SSM public parameter for images. A partial entry would only move
    the deploy error from the region key to the value key while making the map look
    complete. The entry goes after the mapping's last region key; with several
    missing regions, there is one finding per region, in the order of the settings.

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
    is closed to new accounts), which is why the lowest letters are chosen.

    ## Options
    In `[tool.cfnfix.fixers.CFX003]`:
    - `copy-single-region-values` (default `false`): what to do with a value that only
      one existing region sets, which nothing shows to be the same everywhere. By
      default such a value is unknown and the region gets no entry; `true` copies it,
      for maps whose values you know do not depend on the region. AMI ids are never
      copied.

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
                yield self._finding(use, mapping, regions, region, after, single)

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
            else:
                use.computed = True
        yield from uses.values()

    # --- the new entry ---------------------------------------------------------------
    def _finding(
        self, use: _MapUse, mapping: dict[str, Any], regions: list[str], region: str, after: str | None,
        single: bool,
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
        entry, zones, unknown = self._entry(keys, entries, region, single)
        if unknown:
            reason = "; ".join(u.reason for u in unknown)
            return self.finding(path, message, no_fix_reason=f"no entry added for {region}: {reason}")
        copied = [k for k in keys if k not in zones]
        parts = []
        if zones:
            parts.append(f"zones from cfn-lint's data for {', '.join(zones)}")
        if copied:
            parts.append(f"values shared by every region for {', '.join(copied)}")
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
        self, keys: list[str], entries: list[tuple[str, dict[str, Any]]], region: str, single: bool
    ) -> tuple[dict[str, Any], list[str], list[_Unknown]]:
        """The entry for ``region``, the keys holding zones, and the values that cannot be known."""
        entry: dict[str, Any] = {}
        unknown: list[_Unknown] = []
        zone_keys: list[str] = []
        for key in keys:
            having = [(r, values[key]) for r, values in entries if key in values]
            if not having:
                unknown.append(_Unknown(key, f"no existing region has the key '{key}'"))
            elif all(zones_of(value, r) is not None for r, value in having):
                zone_keys.append(key)
                entry[key] = None  # placeholder, keeps the key order
            else:
                result = self._shared_value(key, having, region, single)
                if isinstance(result, _Unknown):
                    unknown.append(result)
                else:
                    entry[key] = result
        if zone_keys and not unknown:
            zones = self._zones(zone_keys, entries, region)
            if isinstance(zones, _Unknown):
                unknown.append(zones)
            else:
                entry.update(zones)
        return entry, zone_keys, unknown

    @staticmethod
    def _shared_value(key: str, having: list[tuple[str, Any]], region: str, single: bool) -> Any:
        values = [value for _r, value in having]
        if any(isinstance(v, str) and _AMI_ID.match(v) for v in values):
            return _Unknown(
                key,
                f"'{key}' holds an AMI id, which differs per region and cannot be known for {region}; "
                f"read the image from an SSM public parameter instead, e.g. '{_SSM_AMI}' "
                "(or a parameter of type AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>)",
            )
        if len(values) < 2 and not single:
            return _Unknown(
                key,
                f"'{key}' is set in one region only, so nothing shows its value does not depend on "
                f"the region; add it for {region} by hand",
            )
        if any(v != values[0] for v in values[1:]):
            return _Unknown(key, f"'{key}' differs between regions and cannot be known for {region}")
        return copy.deepcopy(values[0])

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
