"""Unit tests of CFX209 private-subnet-egress: following workloads to their route tables, and what counts
as a way out."""

from __future__ import annotations

import pytest

from cfnfix.models import Applicability, Options
from cfnfix_fixers.private_subnet_egress import PrivateSubnetEgress
from tests.fixer_helpers import DOC_SECTIONS, calls, findings, load

NETWORK = """\
Resources:
  VPC:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref VPC
      CidrBlock: 10.0.1.0/24
  Table:
    Type: AWS::EC2::RouteTable
    Properties:
      VpcId: !Ref VPC
  Association:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties:
      SubnetId: !Ref Subnet
      RouteTableId: !Ref Table
"""
IGW = """\
  Gateway:
    Type: AWS::EC2::InternetGateway
  Attachment:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties:
      VpcId: !Ref VPC
      InternetGatewayId: !Ref Gateway
"""
FUNCTION = """\
  Function:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Code: {ZipFile: 'def handler(e, c): pass'}
      VpcConfig:
        SubnetIds: [!Ref Subnet]
"""
SERVICE = """\
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      ContainerDefinitions:
        - Name: app
          Image: {image}
  Service:
    Type: AWS::ECS::Service
    Properties:
      TaskDefinition: !Ref Task
      NetworkConfiguration:
        AwsvpcConfiguration:
          Subnets: [!Ref Subnet]
"""
ECR = "!Sub '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/app:1'"


def endpoint(service: str, kind: str = "Interface") -> str:
    where = "RouteTableIds: [!Ref Table]" if kind == "Gateway" else "SubnetIds: [!Ref Subnet]"
    return (f"  {service.replace('.', '')}Endpoint:\n    Type: AWS::EC2::VPCEndpoint\n    Properties:\n"
            f"      VpcId: !Ref VPC\n      VpcEndpointType: {kind}\n"
            f"      ServiceName: !Sub 'com.amazonaws.${{AWS::Region}}.{service}'\n      {where}\n")


def route(target: str, destination: str = "DestinationCidrBlock: 0.0.0.0/0") -> str:
    return (f"  Route:\n    Type: AWS::EC2::Route\n    Properties:\n      RouteTableId: !Ref Table\n"
            f"      {destination}\n      {target}\n")


def check(*parts: str) -> list[str]:
    return [f.message for f in findings(PrivateSubnetEgress(), NETWORK + "".join(parts))]


def test_metadata() -> None:
    fixer = PrivateSubnetEgress()
    assert (fixer.code, fixer.name, fixer.applicability) == ("CFX209", "private-subnet-egress", Applicability.DISPLAY)
    assert all(section in fixer.docs() for section in DOC_SECTIONS)


@pytest.mark.parametrize("target", [
    "NatGatewayId: nat-0123456789abcdef0", "TransitGatewayId: tgw-0123456789abcdef0", "GatewayId: !Ref Gateway",
    "InstanceId: i-0123456789abcdef0", "NetworkInterfaceId: eni-0123456789abcdef0",
])
def test_a_default_route_to_anything_is_a_way_out(target: str) -> None:
    assert check(IGW, FUNCTION, route(target)) == []
    assert check(IGW, FUNCTION, route(target, "DestinationIpv6CidrBlock: '::/0'")) == []
    assert check(IGW, FUNCTION, route(target, "DestinationCidrBlock: !Ref Cidr")) == []


def test_other_routes_and_propagation() -> None:
    assert check(IGW, FUNCTION, route("NatGatewayId: nat-1", "DestinationCidrBlock: 10.1.0.0/16"))
    propagation = ("  Propagation:\n    Type: AWS::EC2::VPNGatewayRoutePropagation\n    Properties:\n"
                   "      VpnGatewayId: vgw-1\n      RouteTableIds: [!Ref Table]\n")
    assert check(IGW, FUNCTION, propagation) == []


def test_functions_and_instances_need_a_vpc_with_a_way_out_and_no_endpoint() -> None:
    assert check(FUNCTION) == []  # an isolated VPC: the function may only talk to the VPC
    assert check(IGW, FUNCTION)
    assert check(IGW, FUNCTION, endpoint("s3", "Gateway")) == []
    assert check(IGW, FUNCTION, endpoint("secretsmanager")) == []


def test_services_need_ecr_endpoints_or_a_way_out() -> None:
    service = SERVICE.format(image=ECR)
    (message,) = check(service)
    assert "no VPC endpoint," in message
    (message,) = check(service, endpoint("s3", "Gateway"))
    assert "no VPC endpoint for `ecr.api` and `ecr.dkr`" in message
    assert check(service, endpoint("s3", "Gateway"), endpoint("ecr.api"), endpoint("ecr.dkr")) == []
    public = SERVICE.format(image="nginx:1.25")
    (message,) = check(public, endpoint("s3", "Gateway"), endpoint("ecr.api"), endpoint("ecr.dkr"))
    assert message.endswith("cannot pull images from outside ECR (`nginx:1.25`), which need the internet")


def test_what_the_template_does_not_define_is_not_followed() -> None:
    assert check(IGW, FUNCTION.replace("[!Ref Subnet]", "!Ref SubnetIds")) == []
    assert check(IGW, FUNCTION.replace("[!Ref Subnet]", "[!Ref Subnet, subnet-0123]")) == []
    text = NETWORK.replace("RouteTableId: !Ref Table", "RouteTableId: rtb-0123") + IGW + FUNCTION
    assert [f.message for f in findings(PrivateSubnetEgress(), text)] == []
    unassociated = NETWORK.split("  Association:")[0] + IGW + FUNCTION
    (message,) = [f.message for f in findings(PrivateSubnetEgress(), unassociated)]
    assert message.startswith("Subnet `Subnet` has no route table association")
    outside = unassociated.replace("VpcId: !Ref VPC\n      CidrBlock: 10.0.1.0/24", "VpcId: vpc-0123\n      "
                                   "CidrBlock: 10.0.1.0/24")
    assert [f.message for f in findings(PrivateSubnetEgress(), outside)] == []


def test_instances_and_groups() -> None:
    instance = ("  Instance:\n    Type: AWS::EC2::Instance\n    Properties:\n      ImageId: ami-12345678\n"
                "      NetworkInterfaces:\n        - DeviceIndex: '0'\n          SubnetId: !Ref Subnet\n")
    group = ("  Group:\n    Type: AWS::AutoScaling::AutoScalingGroup\n    Properties:\n      MinSize: '1'\n"
             "      MaxSize: '1'\n      VPCZoneIdentifier: [!Ref Subnet]\n")
    (message,) = check(IGW, instance, group)
    assert "`Instance` (EC2 instance) and `Group` (Auto Scaling group) run in its subnet `Subnet`" in message


def test_no_public_subnet_suggests_endpoints() -> None:
    (finding,) = findings(PrivateSubnetEgress(), NETWORK + SERVICE.format(image=ECR) + endpoint("s3", "Gateway"))
    suggestion = finding.suggestion or ""
    assert "S3GatewayEndpoint" not in suggestion  # the VPC has one
    for service in ("ecr.api", "ecr.dkr", "logs"):
        assert f"com.amazonaws.${{AWS::Region}}.{service}'" in suggestion


def test_detection_is_linear() -> None:
    def template(n: int) -> str:
        parts = [NETWORK, IGW]
        for i in range(n):
            parts.append(f"  Subnet{i}:\n    Type: AWS::EC2::Subnet\n    Properties:\n      VpcId: !Ref VPC\n"
                         f"      CidrBlock: 10.0.{i % 250}.0/24\n  Assoc{i}:\n"
                         f"    Type: AWS::EC2::SubnetRouteTableAssociation\n    Properties:\n"
                         f"      SubnetId: !Ref Subnet{i}\n      RouteTableId: !Ref Table\n"
                         + FUNCTION.replace("Function:", f"Function{i}:").replace("!Ref Subnet]", f"!Ref Subnet{i}]"))
        return "".join(parts)

    def work(n: int) -> int:
        loaded = load(template(n))
        found: list[object] = []
        count = calls(lambda: found.extend(PrivateSubnetEgress().find(loaded, Options())))
        assert len(found) == 1
        return count

    small, large = work(200), work(1600)
    assert large < small * 8 * 1.5  # eight times the resources: about eight times the calls, not 64


def test_an_association_of_something_that_is_no_subnet_is_not_a_public_subnet() -> None:
    public = ("  Public:\n    Type: AWS::EC2::RouteTable\n    Properties:\n      VpcId: !Ref VpcParameter\n"
              "  PublicRoute:\n    Type: AWS::EC2::Route\n    Properties:\n      RouteTableId: !Ref Public\n"
              "      DestinationCidrBlock: 0.0.0.0/0\n      GatewayId: !Ref Gateway\n"
              "  ParameterAssociation:\n    Type: AWS::EC2::SubnetRouteTableAssociation\n    Properties:\n"
              "      SubnetId: !Ref SubnetParameter\n      RouteTableId: !Ref Public\n")
    text = ("Parameters:\n  SubnetParameter:\n    Type: String\n  VpcParameter:\n    Type: String\n"
            + NETWORK.replace("VpcId: !Ref VPC", "VpcId: !Ref VpcParameter") + IGW + public
            + SERVICE.format(image="nginx:1"))
    (finding,) = findings(PrivateSubnetEgress(), text)
    assert "NatGateway" not in (finding.suggestion or "")
