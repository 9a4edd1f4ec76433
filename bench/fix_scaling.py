"""How `cfnfix fix --apply --unsafe-fixes` scales with template size: time per KB and peak memory.

Generates templates of about 10 KB, 100 KB and 1 MB that mix every fixer's defects (IAM roles
with names and ARNs used elsewhere, exports without names, a password parameter, deprecated
runtimes and engine versions, unused parameters, conditions, mappings and security groups,
redundant DependsOn, Sub without variables, hard-coded zones, retention policies without their
pair or kept for the ci profile, security groups that refer to each other, logical ids with
hyphens, bucket names used in policies, a required key pair used by every instance, a Redis
group without an auth token), fixes each in a fresh process with unsafe fixes and the ci
profile (best of ``--runs``), and prints the ratio of the per-KB times:

    .venv/bin/python bench/fix_scaling.py [--runs 3] [--sizes 10,100,1000]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAD = """\
Parameters:
  DBPassword:
    Type: String
    NoEcho: true
  KeyName:
    Type: AWS::EC2::KeyPair::KeyName
Conditions:
  Never: !Equals [a, b]
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    DeletionPolicy: Snapshot
    Properties:
      Engine: mysql
      EngineVersion: '8.0.28'
      DBInstanceClass: db.t3.micro
      AllocatedStorage: '20'
      MasterUsername: admin
      MasterUserPassword: !Ref DBPassword
  Cache:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties:
      ReplicationGroupDescription: cache
      Engine: redis
      CacheNodeType: cache.t3.micro
      NumCacheClusters: 1
      TransitEncryptionEnabled: true
"""

BLOCK = """\
  Role{i}:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app-role-{i}
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {{Service: lambda.amazonaws.com}}
            Action: sts:AssumeRole
  Function{i}:
    Type: AWS::Lambda::Function
    DependsOn: Role{i}
    Properties:
      Runtime: python3.8
      Handler: index.handler
      Role: !Sub 'arn:aws:iam::${{AWS::AccountId}}:role/app-role-{i}'
      Description: !Sub 'function number {i}'
      Code:
        ZipFile: "def handler(event, context): return {i}"
  Subnet{i}:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: vpc-0123456789abcdef0
      CidrBlock: 10.{a}.{b}.0/24
      AvailabilityZone: us-east-1a
      Environment:
        Variables:
          QUEUE: !Ref queue-{i}
  queue-{i}:
    Type: AWS::SQS::Queue
  Bucket{i}:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    Properties:
      BucketName: app-bucket-{i}
  BucketPolicy{i}:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Bucket{i}
      PolicyDocument:
        Statement:
          - Effect: Deny
            Principal: '*'
            Action: 's3:*'
            Resource: 'arn:aws:s3:::app-bucket-{i}/*'
            Condition: {{Bool: {{'aws:SecureTransport': 'false'}}}}
  GroupA{i}:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: a {i}
      VpcId: vpc-0123456789abcdef0
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          SourceSecurityGroupId: !Ref GroupB{i}
  GroupB{i}:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: b {i}
      VpcId: vpc-0123456789abcdef0
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 5432
          ToPort: 5432
          SourceSecurityGroupId: !GetAtt GroupA{i}.GroupId
  Spare{i}:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: spare {i}
      VpcId: vpc-0123456789abcdef0
  Instance{i}:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-0123456789abcdef0
      InstanceType: t3.micro
      KeyName: !Ref KeyName
      SecurityGroupIds: [!Ref GroupA{i}]
"""

TAIL = """\
Mappings:
  Unused:
    us-east-1: {Value: x}
Outputs:
"""
OUTPUT = """\
  Arn{i}:
    Value: !GetAtt Role{i}.Arn
    Export:
"""


def template(kilobytes: int) -> str:
    blocks, outputs = [HEAD], []
    i = 0
    while sum(map(len, blocks)) + sum(map(len, outputs)) < kilobytes * 1024:
        blocks.append(BLOCK.format(i=i, a=i // 250 % 250, b=i % 250))
        outputs.append(OUTPUT.format(i=i))
        blocks.append(f"  Param{i}Unused:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n"
                      f"      Value: !Sub 'plain-{i}'\n")
        i += 1
    return "".join(blocks) + TAIL + "".join(outputs)


def measure(text: str, runs: int) -> tuple[float, int]:
    """Best wall time of ``runs`` fresh ``cfnfix fix --apply --unsafe-fixes --profile ci`` runs, and peak RSS in KB."""
    best, peak = float("inf"), 0
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "t.yaml"
            path.write_text(text)
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            started = time.perf_counter()
            subprocess.run([sys.executable, "-m", "cfnfix", "fix", "--apply", "--unsafe-fixes", "--profile", "ci",
                            "--no-cache", str(path)], capture_output=True, check=False)
            best = min(best, time.perf_counter() - started)
            peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return best, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="10,100,1000", help="template sizes in KB")
    args = parser.parse_args()
    per_kb: dict[int, float] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        text = template(size)
        seconds, peak = measure(text, args.runs if size < 1000 else 1)
        kb = len(text.encode()) / 1024
        per_kb[size] = seconds / kb
        print(f"{kb:8.0f} KB  {seconds:8.2f} s  {per_kb[size] * 1000:7.2f} ms/KB  peak {peak / 1024:6.0f} MB")
    sizes = sorted(per_kb)
    if len(sizes) >= 2:
        print(f"per-KB time at {sizes[-1]} KB is {per_kb[sizes[-1]] / per_kb[sizes[-2]]:.2f}x that at {sizes[-2]} KB")


if __name__ == "__main__":
    main()
