"""CFX209 private-subnet-egress: workloads in subnets whose route table has no way out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cfnfix.fixer import Fixer, LogicalIds, get_att, listed, ref, sub
from cfnfix.models import Applicability, Finding, Options, Path
from cfnfix.sub_text import sub_text
from cfnfix.suggestions import template_lines
from cfnfix.template import Template

_SUBNET = "AWS::EC2::Subnet"
_ROUTE_TABLE = "AWS::EC2::RouteTable"
_ROUTE = "AWS::EC2::Route"
_ASSOCIATION = "AWS::EC2::SubnetRouteTableAssociation"
_PROPAGATION = "AWS::EC2::VPNGatewayRoutePropagation"
_ATTACHMENT = "AWS::EC2::VPCGatewayAttachment"
_ENDPOINT = "AWS::EC2::VPCEndpoint"
_INTERNET_GATEWAY = "AWS::EC2::InternetGateway"
_DEFAULT_ROUTES = ("0.0.0.0/0", "::/0")
_ECR_IMAGE = re.compile(r"\.dkr\.ecr(?:-fips)?\.|\.RepositoryUri\}")
_ECS_ENDPOINTS = ("ecr.api", "ecr.dkr", "logs")
_EC2_ENDPOINTS = ("ssm", "ssmmessages", "ec2messages")


def _ref(value: Any) -> str | None:
    """The target of ``Ref X`` (or of ``Fn::GetAtt [X, ...]``), else None."""
    if isinstance(value, dict) and len(value) == 1:
        if isinstance(value.get("Ref"), str):
            return str(value["Ref"])
        att = value.get("Fn::GetAtt")
        if isinstance(att, list) and att and isinstance(att[0], str):
            return att[0]
    return None


def _refs(value: Any) -> list[str | None]:
    """The targets of a list of Refs (None for an item that is not one; [None] for a value that is no list)."""
    if not isinstance(value, list):
        return [None]
    return [_ref(item) for item in value]


def _properties(resource: dict[str, Any]) -> dict[str, Any]:
    properties = resource.get("Properties")
    return properties if isinstance(properties, dict) else {}


@dataclass
class _Workload:
    """A resource that runs in subnets of the template, and what it needs to reach."""

    logical_id: str
    kind: str  # how the message names it
    subnets: list[str]
    #: interface endpoints that would serve it instead of a way out (None: only a way out serves it)
    endpoints: tuple[str, ...] | None = ()
    images: list[str] = field(default_factory=list)  # images from outside ECR, for ECS


@dataclass
class _Network:
    """The template's VPC graph, indexed once: route tables, their routes, subnets and endpoints."""

    subnet_vpc: dict[str, str | None] = field(default_factory=dict)
    table_vpc: dict[str, str | None] = field(default_factory=dict)
    #: route tables with a way out (a default route to anything, a propagated VPN route)
    routed_out: set[str] = field(default_factory=set)
    #: route tables with a default route to an internet gateway
    public_tables: set[str] = field(default_factory=set)
    #: subnet -> its route table in the template (None: associated with one the template cannot tell)
    table_of: dict[str, str | None] = field(default_factory=dict)
    #: VPCs with an internet gateway attached, and the attachment
    attachment_of: dict[str, str] = field(default_factory=dict)
    interface_services: dict[str, set[str]] = field(default_factory=dict)  # VPC -> services
    gateway_tables: dict[str, set[str]] = field(default_factory=dict)  # route table -> services
    vpcs: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, template: Template) -> _Network:
        network = cls()
        network.vpcs = {name for name, _ in template.resources_of_type("AWS::EC2::VPC")}
        for name, resource in template.resources_of_type(_SUBNET):
            network.subnet_vpc[name] = _ref(_properties(resource).get("VpcId"))
        for name, resource in template.resources_of_type(_ROUTE_TABLE):
            network.table_vpc[name] = _ref(_properties(resource).get("VpcId"))
        gateways = {name for name, _ in template.resources_of_type(_INTERNET_GATEWAY)}
        for _name, resource in template.resources_of_type(_ROUTE):
            network._route(_properties(resource), gateways)
        for _name, resource in template.resources_of_type(_PROPAGATION):
            network.routed_out.update(t for t in _refs(_properties(resource).get("RouteTableIds")) if t)
        for _name, resource in template.resources_of_type(_ASSOCIATION):
            properties = _properties(resource)
            subnet = _ref(properties.get("SubnetId"))
            if subnet is not None:
                table = _ref(properties.get("RouteTableId"))
                network.table_of[subnet] = table if table in network.table_vpc else None
        for name, resource in template.resources_of_type(_ATTACHMENT):
            properties = _properties(resource)
            vpc = _ref(properties.get("VpcId"))
            if vpc is not None and "InternetGatewayId" in properties:
                network.attachment_of.setdefault(vpc, name)
        for _name, resource in template.resources_of_type(_ENDPOINT):
            network._endpoint(_properties(resource))
        return network

    def _route(self, properties: dict[str, Any], gateways: set[str]) -> None:
        table = _ref(properties.get("RouteTableId"))
        if table is None:
            return
        destination = properties.get("DestinationCidrBlock", properties.get("DestinationIpv6CidrBlock"))
        if "DestinationPrefixListId" in properties or not isinstance(destination, str) or (
            destination in _DEFAULT_ROUTES
        ):
            self.routed_out.add(table)
            gateway = properties.get("GatewayId")
            if _ref(gateway) in gateways or (isinstance(gateway, str) and gateway.startswith("igw-")):
                self.public_tables.add(table)

    def _endpoint(self, properties: dict[str, Any]) -> None:
        service_text = sub_text(properties.get("ServiceName"))
        service = re.sub(r"^com\.amazonaws\.(?:[a-z0-9-]+|\$\{AWS::Region\})\.", "", service_text or "")
        kind = properties.get("VpcEndpointType", "Gateway")
        if kind == "Gateway":
            for table in _refs(properties.get("RouteTableIds")):
                if table is not None:
                    self.gateway_tables.setdefault(table, set()).add(service)
        else:
            vpc = _ref(properties.get("VpcId"))
            if vpc is not None:
                self.interface_services.setdefault(vpc, set()).add(service)

    def public_subnets(self, vpc: str | None) -> list[str]:
        return [s for s, table in self.table_of.items()
                if table in self.public_tables and s in self.subnet_vpc and self.subnet_vpc[s] == vpc]


class PrivateSubnetEgress(Fixer):
    """## What it does
    Finds route tables with no way out of the VPC while workloads that need one run
    in their subnets. The graph is followed from each workload to its subnets, from
    each subnet to its route table (`AWS::EC2::SubnetRouteTableAssociation`, or the
    VPC's main route table when a subnet of a VPC the template creates has none), and
    from the route table to its routes. A route table has a way out when a route sends
    `0.0.0.0/0` or `::/0` anywhere (a NAT gateway, a NAT instance, a transit gateway,
    an internet gateway...), when a route's destination is computed or a prefix list,
    or when VPN routes are propagated to it.

    The workloads are Lambda functions with a `VpcConfig`, ECS services with an
    `awsvpc` network configuration, EC2 instances and Auto Scaling groups:

    - an ECS service always needs to pull its images: it is reported unless VPC
      endpoints serve ECR (`ecr.api` and `ecr.dkr` interface endpoints in the VPC and
      an `s3` gateway endpoint on the route table) and every image is in ECR;
    - a function or an instance needs a way out only for what it calls, which the
      template does not say: it is reported when the VPC has an internet gateway (the
      template gave the VPC a way out and left these subnets without one) and no VPC
      endpoint serves the subnet.

    Subnets, route tables and VPCs the template does not define are not followed.

    The suggestion gives the lines to add: a NAT gateway in a public subnet of the
    same VPC (one in the same availability zone when there is one), its Elastic IP,
    and the route, for a route table of the template; for subnets on the main route
    table, a route table and its associations as well. When the VPC has no public
    subnet, it gives VPC endpoints instead: an `s3` gateway endpoint, and the
    interface endpoints the workloads are known to need (`ecr.api`, `ecr.dkr`, `logs`
    for ECS; `ssm`, `ssmmessages`, `ec2messages` for instances), with a security group
    that admits HTTPS from the VPC.

    ## Why is this bad?
    Without a route out, nothing in those subnets reaches AWS's APIs or the
    internet: ECS tasks cannot pull their images and never start (the service never
    stabilizes and the stack rolls back), a secret-rotation or API-calling Lambda
    times out, instances cannot install packages or signal CloudFormation.

    ## Example
    ```yaml
    Resources:
      PrivateRouteTable:
        Type: AWS::EC2::RouteTable
        Properties:
          VpcId: !Ref VPC
        # no route to a NAT gateway: the private subnets are isolated
    ```

    Use instead:
    ```yaml
      NatGatewayEIP:
        Type: AWS::EC2::EIP
        DependsOn: InternetGatewayAttachment
        Properties:
          Domain: vpc
      NatGateway:
        Type: AWS::EC2::NatGateway
        Properties:
          AllocationId: !GetAtt NatGatewayEIP.AllocationId
          SubnetId: !Ref PublicSubnet1
      PrivateRouteTableNatRoute:
        Type: AWS::EC2::Route
        Properties:
          RouteTableId: !Ref PrivateRouteTable
          DestinationCidrBlock: 0.0.0.0/0
          NatGatewayId: !Ref NatGateway
    ```

    ## Fix safety
    There is no fix: a NAT gateway costs money by the hour, and endpoints are the
    choice of some; the author decides. The finding carries the lines as a suggestion;
    cfnfix never changes the template.

    ## References
    - [NAT gateways](https://docs.aws.amazon.com/vpc/latest/userguide/vpc-nat-gateway.html)
    - [Amazon ECR interface VPC endpoints](https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html)
    - [Giving Lambda functions access to resources in a VPC](https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html)
    """

    code: ClassVar[str] = "CFX209"
    name: ClassVar[str] = "private-subnet-egress"
    summary: ClassVar[str] = "Workloads in private subnets whose route table has no way out"
    applicability: ClassVar[Applicability] = Applicability.DISPLAY

    def find(self, template: Template, options: Options) -> Iterator[Finding]:
        if not any(True for _ in template.resources_of_type(_SUBNET)):
            return
        workloads = self._workloads(template)
        if not workloads:
            return
        network = _Network.read(template)
        by_table: dict[str, list[_Workload]] = {}  # route table (or "main:" + VPC for a main route table) -> workloads
        for workload in workloads:  # each workload once: a table's group never holds it twice
            for table in dict.fromkeys(self._isolated_tables(network, workload)):
                by_table.setdefault(table, []).append(workload)
        ids = LogicalIds(template)
        for table, group in by_table.items():
            main = table.startswith("main:")
            vpc = table[5:] if main else network.table_vpc.get(table)
            subnets = [s for w in group for s in w.subnets
                       if (network.table_of.get(s, "main:" + str(network.subnet_vpc.get(s))) == table)]
            subnets = list(dict.fromkeys(subnets))
            path: Path = ("Resources", subnets[0]) if main else ("Resources", table)
            yield self.finding(path, self._message(network, table, vpc, group, subnets),
                               related=[("Resources", w.logical_id) for w in group],
                               suggestion=self._suggestion(template, network, ids, table, vpc, group, subnets))

    # --- the workloads ---------------------------------------------------------------------------
    @staticmethod
    def _workloads(template: Template) -> list[_Workload]:
        subnets = {name for name, _ in template.resources_of_type(_SUBNET)}
        found: list[_Workload] = []

        def add(logical_id: str, kind: str, targets: list[str | None], endpoints: tuple[str, ...] | None,
                images: list[str] | None = None) -> None:
            known = [t for t in targets if t in subnets]
            if known and len(known) == len(targets):
                found.append(_Workload(logical_id, kind, list(dict.fromkeys(known)), endpoints, images or []))

        for function_type in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
            for logical_id, resource in template.resources_of_type(function_type):
                vpc_config = _properties(resource).get("VpcConfig")
                if isinstance(vpc_config, dict) and "SubnetIds" in vpc_config:
                    add(logical_id, "Lambda function", _refs(vpc_config["SubnetIds"]), ())
        for logical_id, resource in template.resources_of_type("AWS::ECS::Service"):
            properties = _properties(resource)
            network = properties.get("NetworkConfiguration")
            awsvpc = network.get("AwsvpcConfiguration") if isinstance(network, dict) else None
            if isinstance(awsvpc, dict) and "Subnets" in awsvpc:
                images = PrivateSubnetEgress._outside_ecr(template, properties.get("TaskDefinition"))
                add(logical_id, "ECS service", _refs(awsvpc["Subnets"]), None if images else _ECS_ENDPOINTS,
                    images)
        for logical_id, resource in template.resources_of_type("AWS::EC2::Instance"):
            properties = _properties(resource)
            interfaces = properties.get("NetworkInterfaces")
            targets = [_ref(properties["SubnetId"])] if "SubnetId" in properties else []
            if isinstance(interfaces, list):
                targets += [_ref(i.get("SubnetId")) for i in interfaces if isinstance(i, dict) and "SubnetId" in i]
            if targets:
                add(logical_id, "EC2 instance", targets, ())
        for logical_id, resource in template.resources_of_type("AWS::AutoScaling::AutoScalingGroup"):
            zones = _properties(resource).get("VPCZoneIdentifier")
            if zones is not None:
                add(logical_id, "Auto Scaling group", _refs(zones), ())
        order = {name: index for index, name in enumerate(template.resources)}
        return sorted(found, key=lambda workload: order[workload.logical_id])

    @staticmethod
    def _outside_ecr(template: Template, definition: Any) -> list[str]:
        """The images of a task definition that are not in ECR (endpoints cannot serve them)."""
        target = _ref(definition)
        resource = template.resources.get(target) if target else None
        containers = _properties(resource).get("ContainerDefinitions") if isinstance(resource, dict) else None
        images: list[str] = []
        for container in containers if isinstance(containers, list) else []:
            text = sub_text(container.get("Image")) if isinstance(container, dict) else None
            if text is not None and not _ECR_IMAGE.search(text) and "${" not in text.replace("${!", ""):
                images.append(text.replace("${!", "${"))
        return images

    @staticmethod
    def _isolated_tables(network: _Network, workload: _Workload) -> Iterator[str]:
        """The route tables (``main:VPC`` for a VPC's main one) without a way out that the
        workload's subnets use, when it needs one."""
        for subnet in workload.subnets:
            vpc = network.subnet_vpc.get(subnet)
            if subnet in network.table_of:
                table = network.table_of[subnet]
                if table is None or table in network.routed_out:
                    continue
            elif vpc in network.vpcs:
                table = "main:" + str(vpc)
            else:
                continue
            gateway_services = network.gateway_tables.get(table, set()) if table else set()
            interface_services = network.interface_services.get(str(vpc), set())
            if workload.endpoints is None:
                yield table  # images from outside ECR: only a way out serves them
            elif workload.endpoints:
                needed = {"s3", *(e for e in workload.endpoints if e != "logs")}
                if not needed <= gateway_services | interface_services:
                    yield table
            elif vpc in network.attachment_of and not gateway_services and not interface_services:
                yield table

    # --- the finding ---------------------------------------------------------------------------------
    @staticmethod
    def _message(network: _Network, table: str, vpc: str | None, group: list[_Workload], subnets: list[str]) -> str:
        runs = listed([f"`{w.logical_id}` ({w.kind})" for w in group])
        named = listed([f"`{s}`" for s in subnets])
        one, many = len(group) == 1, len(subnets) > 1
        existing = network.gateway_tables.get(table, set()) | network.interface_services.get(str(vpc), set())
        needed = [e for w in group for e in ("s3", *(w.endpoints or ())) if e != "logs"]
        missing = [f"`{e}`" for e in dict.fromkeys(needed) if e not in existing]
        endpoints = " and no VPC endpoint" if not existing else f" and no VPC endpoint for {listed(missing)}" if (
            missing) else ""
        if table.startswith("main:"):
            head = (f"Subnet{'s' if many else ''} {named} {'have' if many else 'has'} no route table association, "
                    f"so {'they use' if many else 'it uses'} the main route table of `{vpc}`, which has no route "
                    f"out{endpoints}, while {runs} run{'s' if one else ''} in {'them' if many else 'it'}")
        else:
            head = (f"Route table `{table}` has no route out (no `0.0.0.0/0` route to a NAT gateway, instance or "
                    f"transit gateway){endpoints}, while {runs} run{'s' if one else ''} in its "
                    f"subnet{'s' if many else ''} {named}")
        images = listed([f"`{i}`" for w in group for i in w.images])
        subject = "it" if one else "they"
        if images and existing and not missing:
            return f"{head}: {subject} cannot pull images from outside ECR ({images}), which need the internet"
        pulls = f"; images from outside ECR ({images}) need the internet" if images else ""
        return f"{head}: {subject} cannot reach AWS APIs or the internet{pulls}"

    def _suggestion(self, template: Template, network: _Network, ids: LogicalIds, table: str, vpc: str | None,
                    group: list[_Workload], subnets: list[str]) -> str:
        resources: dict[str, Any] = {}
        if table.startswith("main:"):
            table = ids.new("PrivateRouteTable")
            resources[table] = {"Type": _ROUTE_TABLE, "Properties": {"VpcId": ref(str(vpc))}}
            for subnet in subnets:
                resources[ids.new(f"{subnet}RouteTableAssociation")] = {"Type": _ASSOCIATION, "Properties": {
                    "SubnetId": ref(subnet), "RouteTableId": ref(table)}}
        public = self._public_subnet(template, network, vpc, subnets)
        if public is not None:
            eip, nat = ids.new("NatGatewayEIP"), ids.new("NatGateway")
            eip_resource: dict[str, Any] = {"Type": "AWS::EC2::EIP"}
            attachment = network.attachment_of.get(str(vpc))
            if attachment is not None:
                eip_resource["DependsOn"] = attachment
            eip_resource["Properties"] = {"Domain": "vpc"}
            resources[eip] = eip_resource
            resources[nat] = {"Type": "AWS::EC2::NatGateway", "Properties": {
                "AllocationId": get_att(eip, "AllocationId"), "SubnetId": ref(public)}}
            resources[ids.new(f"{table}NatRoute")] = {"Type": _ROUTE, "Properties": {
                "RouteTableId": ref(table), "DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": ref(nat)}}
            return template_lines(template, {"Resources": resources})
        return self._endpoints(template, network, ids, resources, table, vpc, group, subnets)

    @staticmethod
    def _public_subnet(template: Template, network: _Network, vpc: str | None, subnets: list[str]) -> str | None:
        """A public subnet of the VPC, in the availability zone of the first isolated subnet if one is."""
        public = network.public_subnets(vpc)
        if not public:
            return None
        zone = _properties(template.resources[subnets[0]]).get("AvailabilityZone")
        same_zone = [s for s in public if zone is not None and _properties(template.resources[s]).get(
            "AvailabilityZone") == zone]
        return (same_zone or public)[0]

    @staticmethod
    def _endpoints(template: Template, network: _Network, ids: LogicalIds, resources: dict[str, Any], table: str,
                   vpc: str | None, group: list[_Workload], subnets: list[str]) -> str:
        """VPC endpoints for what the workloads are known to call, those the VPC has left out."""
        existing = network.gateway_tables.get(table, set()) | network.interface_services.get(str(vpc), set())
        services: list[str] = []
        for workload in group:
            known = workload.endpoints if workload.endpoints is not None else _ECS_ENDPOINTS
            if workload.kind in ("EC2 instance", "Auto Scaling group"):
                known = _EC2_ENDPOINTS
            services += [s for s in known if s not in services and s not in existing]
        vpc_ref = ref(str(vpc)) if vpc in template.resources or vpc in template.parameters else None
        if vpc_ref is None:
            return f"a NAT gateway in a public subnet of the VPC, and a `0.0.0.0/0` route to it in `{table}`"
        if "s3" not in existing:
            resources[ids.new("S3GatewayEndpoint")] = {"Type": _ENDPOINT, "Properties": {
                "VpcId": vpc_ref, "ServiceName": sub("com.amazonaws.${AWS::Region}.s3"),
                "VpcEndpointType": "Gateway", "RouteTableIds": [ref(table)]}}
        if services and vpc in network.vpcs:
            group_id = ids.new("EndpointSecurityGroup")
            resources[group_id] = {"Type": "AWS::EC2::SecurityGroup", "Properties": {
                "GroupDescription": "HTTPS from the VPC to its interface endpoints", "VpcId": vpc_ref,
                "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                          "CidrIp": get_att(str(vpc), "CidrBlock")}]}}
            for service in services:
                base = "".join(part.capitalize() for part in re.split(r"[^a-z0-9]+", service)) + "Endpoint"
                resources[ids.new(base)] = {"Type": _ENDPOINT, "Properties": {
                    "VpcId": vpc_ref, "ServiceName": sub("com.amazonaws.${AWS::Region}." + service),
                    "VpcEndpointType": "Interface", "PrivateDnsEnabled": True,
                    "SubnetIds": [ref(s) for s in subnets], "SecurityGroupIds": [ref(group_id)]}}
        else:
            services = []
        images = [i for w in group for i in w.images]
        lines = [template_lines(template, {"Resources": resources})] if resources else []
        if images or not services:
            lines.append("and, for what no endpoint serves (images from outside ECR, the other APIs the workloads "
                         "call), a NAT gateway in a public subnet of the VPC with a `0.0.0.0/0` route to it")
        return "\n".join(lines)
