"""cfnfix: find known defects in CloudFormation templates and fix them, keeping every other byte."""
